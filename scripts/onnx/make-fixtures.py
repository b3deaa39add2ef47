#!/usr/bin/python3
"""Writes the ONNX fixtures of test/import (a small MLP, a ResNet basic block, a transformer block) and
numpy's outputs for them, computed here in float32 with numpy alone, independently of Tessera.

Needs Debian's python3-onnx and python3-numpy (apt-get install python3-onnx python3-numpy); run with the
system Python: /usr/bin/python3 scripts/onnx/make-fixtures.py [out-dir]. Seeded: the same files every run.
For each model NAME it writes NAME.onnx, NAME.inputs/<input>.npy and NAME.expected/<output>.npy.
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'onnx')
rng = np.random.default_rng(15)
f32 = np.float32


def rand(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(f32)


def save(name, model, inputs, outputs):
    os.makedirs(OUT, exist_ok=True)
    onnx.save(model, os.path.join(OUT, name + '.onnx'))
    for folder, arrays in (('inputs', inputs), ('expected', outputs)):
        d = os.path.join(OUT, f'{name}.{folder}')
        os.makedirs(d, exist_ok=True)
        for k, v in arrays.items():
            np.save(os.path.join(d, k + '.npy'), v)


def inits(**arrays):
    return [numpy_helper.from_array(v, k) for k, v in arrays.items()]


def vinfo(name, arr, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, list(arr.shape))


# ---- numpy references
def relu(x):
    return np.maximum(x, f32(0))


def sigmoid(x):
    return (f32(1) / (f32(1) + np.exp(-x))).astype(f32)


def gelu(x):
    erf = np.vectorize(math.erf)
    return (f32(0.5) * x * (f32(1) + erf(x / np.sqrt(f32(2))).astype(f32))).astype(f32)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(f32)


def layernorm(x, g, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + f32(eps)) * g + b).astype(f32)


def conv2d(x, w, b, stride=1, pad=0, group=1):
    n, c, h, wd = x.shape
    co, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, co, oh, ow), dtype=np.float64)
    cog = co // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * cog:(g + 1) * cog]
        for i in range(oh):
            for j in range(ow):
                patch = xs[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[:, g * cog:(g + 1) * cog, i, j] = np.einsum('nchw,ochw->no', patch, ws)
    return (out + b[None, :, None, None]).astype(f32)


def mlp():
    x = rand(4, 16, scale=1.0)
    w1, b1 = rand(16, 32), rand(32)
    w2, b2 = rand(32, 24), rand(24)
    w3, b3 = rand(8, 24), rand(8)  # Gemm with transB = 1, alpha, beta
    nodes = [
        helper.make_node('Gemm', ['x', 'w1', 'b1'], ['h1'], name='fc1'),
        helper.make_node('Relu', ['h1'], ['a1'], name='relu1'),
        helper.make_node('MatMul', ['a1', 'w2'], ['h2'], name='fc2'),
        helper.make_node('Add', ['h2', 'b2'], ['h2b'], name='bias2'),
        helper.make_node('Tanh', ['h2b'], ['a2'], name='tanh2'),
        helper.make_node('Gemm', ['a2', 'w3', 'b3'], ['h3'], name='fc3', transB=1, alpha=0.5, beta=2.0),
        helper.make_node('Sigmoid', ['h3'], ['y'], name='out'),
    ]
    a1 = relu(x @ w1 + b1)
    a2 = np.tanh(a1 @ w2 + b2).astype(f32)
    y = sigmoid(f32(0.5) * (a2 @ w3.T) + f32(2.0) * b3)
    g = helper.make_graph(nodes, 'mlp', [vinfo('x', x)], [vinfo('y', y)], inits(w1=w1, b1=b1, w2=w2, b2=b2, w3=w3, b3=b3))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='tessera scripts/onnx/make-fixtures.py')
    onnx.checker.check_model(m)
    save('mlp', m, {'x': x}, {'y': y})


def resnet_block():
    x = rand(1, 8, 6, 6, scale=1.0)
    c1w, c1b = rand(8, 8, 3, 3, scale=0.2), rand(8, scale=0.1)
    c2w, c2b = rand(8, 8, 3, 3, scale=0.2), rand(8, scale=0.1)
    dw, db = rand(8, 4, 3, 3, scale=0.3), rand(8, scale=0.1)  # stride 2, 2 groups
    fw, fb = rand(5, 16 * 3 * 3, scale=0.1), rand(5, scale=0.1)
    nodes = [
        helper.make_node('Conv', ['x', 'c1w', 'c1b'], ['c1'], name='conv1', pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node('Relu', ['c1'], ['r1'], name='relu1'),
        helper.make_node('Conv', ['r1', 'c2w', 'c2b'], ['c2'], name='conv2', pads=[1, 1, 1, 1]),
        helper.make_node('Add', ['c2', 'x'], ['s'], name='residual'),
        helper.make_node('Relu', ['s'], ['block'], name='relu2'),
        helper.make_node('Conv', ['block', 'dw', 'db'], ['d'], name='down', strides=[2, 2], pads=[1, 1, 1, 1], group=2),
        helper.make_node('Concat', ['d', 'd'], ['cat'], name='concat', axis=1),
        helper.make_node('Flatten', ['cat'], ['flat'], name='flatten', axis=1),
        helper.make_node('Gemm', ['flat', 'fw', 'fb'], ['y'], name='classifier', transB=1),
    ]
    block = relu(conv2d(relu(conv2d(x, c1w, c1b, pad=1)), c2w, c2b, pad=1) + x)
    d = conv2d(block, dw, db, stride=2, pad=1, group=2)
    flat = np.concatenate([d, d], axis=1).reshape(1, -1)
    y = (flat @ fw.T + fb).astype(f32)
    g = helper.make_graph(nodes, 'resnet_block', [vinfo('x', x)], [vinfo('block', block), vinfo('y', y)], inits(c1w=c1w, c1b=c1b, c2w=c2w, c2b=c2b, dw=dw, db=db, fw=fw, fb=fb))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='tessera scripts/onnx/make-fixtures.py')
    onnx.checker.check_model(m)
    save('resnet-block', m, {'x': x}, {'block': block, 'y': y})


def transformer_block():
    S, D, H, E, F, V = 6, 16, 2, 8, 32, 20
    ids = np.array([3, 0, 19, 7, 7, 12], dtype=np.int64)
    emb = rand(V, D, scale=1.0)
    pos = rand(S, D, scale=0.3)
    g1, b1 = (1 + rand(D, scale=0.1)).astype(f32), rand(D, scale=0.1)
    wq, wk, wv, wo = rand(D, D, scale=0.3), rand(D, D, scale=0.3), rand(D, D, scale=0.3), rand(D, D, scale=0.3)
    g2, b2 = (1 + rand(D, scale=0.1)).astype(f32), rand(D, scale=0.1)
    w1, bf1, w2, bf2 = rand(D, F, scale=0.3), rand(F, scale=0.1), rand(F, D, scale=0.3), rand(D, scale=0.1)
    gate = rand(D, scale=1.0)
    c = {
        'emb': emb, 'pos': pos, 'g1': g1, 'b1': b1, 'wq': wq, 'wk': wk, 'wv': wv, 'wo': wo, 'g2': g2, 'b2': b2,
        'w1': w1, 'bf1': bf1, 'w2': w2, 'bf2': bf2, 'gate': gate,
        'heads_shape': np.array([S, H, E], dtype=np.int64), 'model_shape': np.array([S, D], dtype=np.int64),
        'scale': np.array(math.sqrt(E), dtype=f32), 'shift': np.array(0.25, dtype=f32),
    }
    n = helper.make_node
    nodes = [
        n('Gather', ['emb', 'ids'], ['tok'], name='embed', axis=0),
        n('Add', ['tok', 'pos'], ['x'], name='add_pos'),
        n('LayerNormalization', ['x', 'g1', 'b1'], ['h'], name='ln1', axis=-1, epsilon=1e-5),
        n('MatMul', ['h', 'wq'], ['q'], name='q_proj'),
        n('MatMul', ['h', 'wk'], ['k'], name='k_proj'),
        n('MatMul', ['h', 'wv'], ['v'], name='v_proj'),
        n('Reshape', ['q', 'heads_shape'], ['q3'], name='q_heads'),
        n('Reshape', ['k', 'heads_shape'], ['k3'], name='k_heads'),
        n('Reshape', ['v', 'heads_shape'], ['v3'], name='v_heads'),
        n('Transpose', ['q3'], ['qt'], name='q_t', perm=[1, 0, 2]),
        n('Transpose', ['k3'], ['kt'], name='k_t', perm=[1, 2, 0]),
        n('Transpose', ['v3'], ['vt'], name='v_t', perm=[1, 0, 2]),
        n('MatMul', ['qt', 'kt'], ['scores'], name='qk'),
        n('Div', ['scores', 'scale'], ['scaled'], name='scale'),
        n('Softmax', ['scaled'], ['p'], name='softmax', axis=-1),
        n('MatMul', ['p', 'vt'], ['ctx'], name='pv'),
        n('Transpose', ['ctx'], ['ctx_t'], name='ctx_t', perm=[1, 0, 2]),
        n('Reshape', ['ctx_t', 'model_shape'], ['ctx2'], name='merge_heads'),
        n('MatMul', ['ctx2', 'wo'], ['o'], name='o_proj'),
        n('Add', ['x', 'o'], ['x1'], name='residual1'),
        n('LayerNormalization', ['x1', 'g2', 'b2'], ['h2'], name='ln2', axis=-1, epsilon=1e-5),
        n('MatMul', ['h2', 'w1'], ['f1'], name='fc1'),
        n('Add', ['f1', 'bf1'], ['f1b'], name='fc1_bias'),
        n('Gelu', ['f1b'], ['act'], name='gelu'),
        n('MatMul', ['act', 'w2'], ['f2'], name='fc2'),
        n('Add', ['f2', 'bf2'], ['f2b'], name='fc2_bias'),
        n('Mul', ['f2b', 'gate'], ['gated'], name='gate'),
        n('Sub', ['gated', 'shift'], ['shifted'], name='shift'),
        n('Add', ['x1', 'shifted'], ['y'], name='residual2'),
    ]
    x = emb[ids] + pos
    h = layernorm(x, g1, b1)
    split = lambda t: t.reshape(S, H, E).transpose(1, 0, 2)
    q, k, v = split(h @ wq), split(h @ wk), split(h @ wv)
    p = softmax((q @ k.transpose(0, 2, 1)) / f32(math.sqrt(E)))
    ctx = (p @ v).transpose(1, 0, 2).reshape(S, D)
    x1 = (x + ctx @ wo).astype(f32)
    h2 = layernorm(x1, g2, b2)
    act = gelu(h2 @ w1 + bf1)
    y = (x1 + ((act @ w2 + bf2) * gate - f32(0.25))).astype(f32)
    g = helper.make_graph(nodes, 'transformer_block', [helper.make_tensor_value_info('ids', TensorProto.INT64, [S])], [vinfo('y', y)], inits(**c))
    # Gelu is an ONNX operator from opset 20; onnx 1.12's checker predates it, so this model is not checked
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 20)], producer_name='tessera scripts/onnx/make-fixtures.py')
    save('transformer-block', m, {'ids': ids.astype(np.int32)}, {'y': y})


def bad_inputs():
    # an op the importer does not translate (MaxPool), named in the error with its node
    x = rand(1, 2, 4, 4)
    nodes = [helper.make_node('Relu', ['x'], ['r'], name='relu'), helper.make_node('MaxPool', ['r'], ['y'], name='pool1', kernel_shape=[2, 2])]
    g = helper.make_graph(nodes, 'unsupported', [vinfo('x', x)], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 2, 3, 3])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)]), os.path.join(OUT, 'unsupported.onnx'))
    # the first 40 bytes of a valid model, cut in the middle of a field
    with open(os.path.join(OUT, 'mlp.onnx'), 'rb') as fsrc, open(os.path.join(OUT, 'truncated.onnx'), 'wb') as fdst:
        fdst.write(fsrc.read()[:40])


mlp()
resnet_block()
transformer_block()
bad_inputs()
print('wrote fixtures to', os.path.abspath(OUT))
