// Reading an .onnx file: the part of ONNX's onnx.proto (Apache-2.0, github.com/onnx/onnx, onnx/onnx.proto,
// field numbers unchanged) that describes a model's graph, decoded with protobufjs into plain data.
// Anything the decoder cannot read is a plain error about the file, never a stack trace.
import protobuf from 'protobufjs';
import { UserError } from '../driver/user-error';

const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional float f = 2; optional int64 i = 3; optional bytes s = 4;
  optional TensorProto t = 5; optional GraphProto g = 6; repeated float floats = 7; repeated int64 ints = 8;
  repeated bytes strings = 9; optional int32 type = 20;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3; optional string op_type = 4;
  optional string domain = 7; repeated AttributeProto attribute = 5;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8; optional string producer_name = 2;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true]; repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true]; optional string name = 8; optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true]; repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  rawData?: Uint8Array;
  external: boolean;
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  /** a number, or the symbolic name of a dimension without a size */
  shape?: (number | string)[];
}

export interface OnnxModel {
  opset: number;
  producer: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

let modelType: protobuf.Type | undefined;

function ModelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v ?? 0));
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : str(v));

function tensor(o: Obj): OnnxTensor {
  const raw = o.raw_data instanceof Uint8Array && o.raw_data.length ? { rawData: o.raw_data } : {};
  return {
    name: str(o.name),
    dims: arr(o.dims).map(num),
    dataType: num(o.data_type),
    floatData: arr(o.float_data).map(num),
    int32Data: arr(o.int32_data).map(num),
    int64Data: arr(o.int64_data).map(num),
    doubleData: arr(o.double_data).map(num),
    ...raw,
    external: num(o.data_location) === 1 || arr(o.external_data).length > 0,
  };
}

function attribute(o: Obj): OnnxAttribute {
  const a: OnnxAttribute = { name: str(o.name), floats: arr(o.floats).map(num), ints: arr(o.ints).map(num) };
  if (o.f !== undefined && o.f !== null) a.f = num(o.f);
  if (o.i !== undefined && o.i !== null) a.i = num(o.i);
  if (o.s !== undefined && o.s !== null) a.s = text(o.s);
  if (o.t) a.t = tensor(o.t as Obj);
  return a;
}

function valueInfo(o: Obj): OnnxValueInfo {
  const tt = ((o.type as Obj | undefined)?.tensor_type ?? undefined) as Obj | undefined;
  const v: OnnxValueInfo = { name: str(o.name) };
  if (tt?.elem_type !== undefined) v.elemType = num(tt.elem_type);
  const shape = tt?.shape as Obj | undefined;
  if (shape) v.shape = arr(shape.dim).map((d) => ((d as Obj).dim_value !== undefined && (d as Obj).dim_value !== null ? num((d as Obj).dim_value) : str((d as Obj).dim_param) || '?'));
  return v;
}

/** Decodes the bytes of an .onnx file; a file that is not one is a UserError naming the file. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxModel {
  let m: Obj;
  try {
    m = ModelProto().toObject(ModelProto().decode(bytes), { defaults: false, arrays: true, longs: Number }) as Obj;
  } catch (e) {
    throw new UserError(`${file}: not an ONNX model: the protobuf does not decode (${(e as Error).message})`);
  }
  const g = m.graph as Obj | undefined;
  if (!g) throw new UserError(`${file}: not an ONNX model: it has no graph`);
  const onnxOpset = arr(m.opset_import).find((o) => !str((o as Obj).domain) || str((o as Obj).domain) === 'ai.onnx') as Obj | undefined;
  return {
    opset: onnxOpset ? num(onnxOpset.version) : 0,
    producer: str(m.producer_name),
    graphName: str(g.name),
    nodes: arr(g.node).map((n, k) => {
      const o = n as Obj;
      return {
        name: str(o.name) || `#${k}`,
        opType: str(o.op_type),
        domain: str(o.domain),
        inputs: arr(o.input).map(str),
        outputs: arr(o.output).map(str),
        attrs: new Map(arr(o.attribute).map((a) => [str((a as Obj).name), attribute(a as Obj)])),
      };
    }),
    initializers: arr(g.initializer).map((t) => tensor(t as Obj)),
    inputs: arr(g.input).map((v) => valueInfo(v as Obj)),
    outputs: arr(g.output).map((v) => valueInfo(v as Obj)),
  };
}

/** An initializer's (or Constant's) values, in row-major order. */
export function tensorValues(t: OnnxTensor, file: string): Float64Array {
  if (t.external) throw new UserError(`${file}: initializer ${t.name} keeps its data in an external file, which the importer does not read`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const typed = t.dataType === 1 ? t.floatData : t.dataType === 6 ? t.int32Data : t.dataType === 7 ? t.int64Data : t.dataType === 11 ? t.doubleData : t.int32Data;
  if (t.rawData) {
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const size = { 1: 4, 6: 4, 7: 8, 11: 8, 10: 2, 16: 2, 3: 1, 2: 1, 9: 1 }[t.dataType];
    if (size === undefined) throw new UserError(`${file}: initializer ${t.name} has element type ${t.dataType}, which the importer does not read`);
    if (t.rawData.byteLength !== n * size) throw new UserError(`${file}: initializer ${t.name}: ${t.rawData.byteLength} bytes of data for ${n} elements of ${size} bytes`);
    for (let i = 0; i < n; i++) out[i] = readRaw(v, t.dataType, i * size);
    return out;
  }
  if (typed.length !== n) throw new UserError(`${file}: initializer ${t.name}: ${typed.length} values for shape [${t.dims.join(', ')}]`);
  out.set(typed);
  return out;
}

function readRaw(v: DataView, type: number, at: number): number {
  switch (type) {
    case 1:
      return v.getFloat32(at, true);
    case 6:
      return v.getInt32(at, true);
    case 7:
      return Number(v.getBigInt64(at, true));
    case 11:
      return v.getFloat64(at, true);
    case 3:
      return v.getInt8(at);
    case 2:
    case 9:
      return v.getUint8(at);
    case 10:
      return half(v.getUint16(at, true));
    default: // 16: bfloat16 is the top half of a float32
      return new Float32Array(new Uint32Array([v.getUint16(at, true) << 16]).buffer)[0]!;
  }
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
