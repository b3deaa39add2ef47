// A sparse mixture of experts (Mixtral): per token, a router scores `experts` SwiGLU MLPs, the top k are
// selected, and their outputs are summed weighted by the softmax of the selected scores (the same as
// Mixtral's softmax over all experts renormalised over the top k). The experts' weights are one tensor
// each, WG/WU[X, D, I] and WD[X, I, D], and a selected expert is reached by a gather on X with the
// selected index (an int32 tensor), so decode reads only the active experts' rows.
//
//   RL[b, s, x]   = XN[b, s, d] * WR[d, x]                                   router logits
//   M1[b, s]      = max(x) RL[b, s, x]
//   S1[b, s]: int32 = max(x) select(RL[b, s, x] == M1[b, s], x, -1)         the argmax (ties: the highest x)
//   RL2[b, s, x]  = select(x == S1[b, s], -inf, RL[b, s, x])                 the next round masks it out
//   ... k rounds; weights W_j = exp(M_j - M1) / sum_j exp(M_j - M1)
//   G_j[b, s, i]  = XN[b, s, d] * WG[S_j[b, s], d, i]    (and U_j), A_j = silu(G_j) * U_j
//   Y_j[b, s, d]  = A_j[b, s, i] * WD[S_j[b, s], i, d];   DOWN = sum_j W_j * Y_j
import { acc, add, cmp, div, exp, gather, ivar, mul, num, select, sub, type Idx } from './dsl';
import { activationExpr, type LayerCtx } from './layers';

const XI: Idx[] = ['b', 's', 'd'];
const BS: Idx[] = ['b', 's'];

/** The MoE feed-forward on normed activations x[b, s, d]; declares rank X (experts) once. */
export function moeMlp(c: LayerCtx, o: { x: string; prefix: string; experts: number; topK: number }): { out: string } {
  const g = c.g;
  const P = o.prefix;
  g.rank('X', o.experts);
  g.declare('weight', `${P}WR`, ['D', 'X'], c.dtype);
  g.declare('weight', `${P}WG`, ['X', 'D', 'I'], c.dtype);
  g.declare('weight', `${P}WU`, ['X', 'D', 'I'], c.dtype);
  g.declare('weight', `${P}WD`, ['X', 'I', 'D'], c.dtype);
  const BSX: Idx[] = ['b', 's', 'x'];
  let logits = g.def(`${P}RL`, BSX, mul(acc(o.x, XI), acc(`${P}WR`, ['d', 'x'])));
  const best: string[] = [];
  const sel: string[] = [];
  for (let j = 1; j <= o.topK; j++) {
    const m = g.def(`${P}RM${j}`, BS, acc(logits, BSX), { reduce: 'max' });
    const s = g.def(`${P}RS${j}`, BS, select(cmp('==', acc(logits, BSX), acc(m, BS)), ivar('x'), num(-1)), { reduce: 'max', dtype: 'int32' });
    best.push(m);
    sel.push(s);
    // annotated: it compares the int32 selection with x and keeps the float logits
    if (j < o.topK) logits = g.def(`${P}RL${j + 1}`, BSX, select(cmp('==', ivar('x'), acc(s, BS)), num(-Infinity), acc(logits, BSX)), { dtype: c.dtype });
  }
  const e = (j: number) => exp(sub(acc(best[j]!, BS), acc(best[0]!, BS)));
  let denom = e(0);
  for (let j = 1; j < o.topK; j++) denom = add(denom, e(j));
  const den = g.def(`${P}RDEN`, BS, denom);
  let sum: ReturnType<typeof acc> | undefined;
  for (let j = 0; j < o.topK; j++) {
    const ex = `${P}E${j + 1}_`;
    const at = gather(sel[j]!, BS);
    const gate = g.def(`${ex}GATE`, ['b', 's', 'i'], mul(acc(o.x, XI), acc(`${P}WG`, [at, 'd', 'i'])));
    const up = g.def(`${ex}UP`, ['b', 's', 'i'], mul(acc(o.x, XI), acc(`${P}WU`, [at, 'd', 'i'])));
    const a = g.def(`${ex}ACT`, ['b', 's', 'i'], mul(activationExpr('silu', acc(gate, ['b', 's', 'i'])), acc(up, ['b', 's', 'i'])));
    const y = g.def(`${ex}DOWN`, XI, mul(acc(a, ['b', 's', 'i']), acc(`${P}WD`, [at, 'i', 'd'])));
    const term = mul(div(e(j), acc(den, BS)), acc(y, XI));
    sum = sum ? add(sum, term) : term;
  }
  return { out: g.def(`${P}DOWN`, XI, sum!) };
}
