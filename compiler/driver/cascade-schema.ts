// The JSON of a validated cascade that `check --json` and `print --json` print: compiler/ir/types.ts's
// Cascade without source locations. An infinite number literal (-inf in max-reductions) prints as null.
import { z } from 'zod';
import { BINARY_OPS, CMP_OPS, DTYPES, REDUCE_OPS, ROLES, UNARY_OPS, type Cascade } from '../ir';

const IndexExprSchema: z.ZodType = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('ivar'), name: z.string() }),
    z.object({ kind: z.literal('int'), value: z.number().int() }),
    z.object({ kind: z.literal('rsize'), rank: z.string() }),
    z.object({ kind: z.literal('ibin'), op: z.enum(['+', '-', '*']), a: IndexExprSchema, b: IndexExprSchema }),
    z.object({ kind: z.literal('gather'), access: AccessSchema }),
  ]),
);

const AccessSchema: z.ZodType = z.lazy(() => z.object({ tensor: z.string(), indices: z.array(IndexExprSchema) }));

const ExprSchema: z.ZodType = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('num'), value: z.number().nullable() }),
    z.object({ kind: z.literal('access'), access: AccessSchema }),
    z.object({ kind: z.literal('ivar'), name: z.string() }),
    z.object({ kind: z.literal('rsize'), rank: z.string() }),
    z.object({ kind: z.literal('unary'), op: z.enum(UNARY_OPS), arg: ExprSchema }),
    z.object({ kind: z.literal('binary'), op: z.enum(BINARY_OPS), a: ExprSchema, b: ExprSchema }),
    z.object({ kind: z.literal('cmp'), op: z.enum(CMP_OPS), a: ExprSchema, b: ExprSchema }),
    z.object({ kind: z.literal('select'), cond: ExprSchema, a: ExprSchema, b: ExprSchema }),
  ]),
);

export const CascadeJsonSchema = z.object({
  file: z.string().optional(),
  name: z.string().optional(),
  ranks: z.array(z.object({ name: z.string(), size: z.number().int().positive(), partOf: z.string().optional(), aliasOf: z.string().optional() })),
  partitions: z.array(z.object({ parent: z.string(), parts: z.array(z.string()) })),
  tensors: z.array(
    z.object({
      name: z.string(),
      role: z.enum(ROLES),
      dtype: z.enum(DTYPES),
      dims: z.array(z.object({ rank: z.string(), extent: z.number().int().positive() })),
      /** a pruned weight: N of every M along the contracted rank (compiler/ir/sparsity.ts) */
      sparsity: z.object({ n: z.number().int().positive(), m: z.number().int().positive(), rank: z.string() }).optional(),
    }),
  ),
  einsums: z.array(z.object({ output: AccessSchema, reduce: z.enum(REDUCE_OPS), expr: ExprSchema, init: z.boolean(), dtype: z.enum(DTYPES).optional() })),
  outputs: z.array(z.string()),
});

/** The JSON text of a cascade (source locations left out). */
export function cascadeJson(c: Cascade): string {
  return JSON.stringify(c, (k, v) => (k === 'loc' ? undefined : v), 2) + '\n';
}
