# SPDX-License-Identifier: Apache-2.0
# ONNX protobuf written by hand and .npy files read and written, for the model generators and CLI
# tests (tests/helpers/make_*_model.py, bench/onnx/make_*.py, tests/cli/*.sh): no onnx or numpy
# package needed, so the tests run wherever python3 does.
import ast
import struct

# TensorProto.DataType and AttributeProto.AttributeType numbers used here
FLOAT = 1
ATTR_INT, ATTR_INTS = 2, 7


def varint(v):
    out = b""
    v &= (1 << 64) - 1  # negative int64 values are ten-byte two's complement varints
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    """One protobuf field: wire 0 varint (payload an int), 5 fixed32 (raw bytes), 2 bytes."""
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 5:
        return key + payload
    return key + varint(len(payload)) + payload


def s(num, text):
    """A length-delimited field from str (UTF-8) or bytes."""
    return field(num, 2, text.encode() if isinstance(text, str) else text)


def tensor(name, dims, floats):
    """A float32 TensorProto with raw_data."""
    body = b"".join(field(1, 0, d) for d in dims) + field(2, 0, FLOAT) + s(8, name)
    return body + s(9, struct.pack("<%df" % len(floats), *floats))


def attr_ints(name, vals):
    return s(1, name) + b"".join(field(8, 0, v) for v in vals) + field(20, 0, ATTR_INTS)


def attr_int(name, val):
    return s(1, name) + field(3, 0, val) + field(20, 0, ATTR_INT)


def node(op, ins, outs, attrs=b""):
    """A GraphProto.node field; attrs are AttributeProto fields already wrapped as s(5, ...)."""
    return s(1, b"".join(s(1, i) for i in ins) + b"".join(s(2, o) for o in outs) + s(4, op) + attrs)


def value_info(name, dims):
    """A float32 ValueInfoProto with a fixed shape."""
    shape = b"".join(s(1, field(1, 0, d)) for d in dims)
    return s(1, name) + s(2, s(1, field(1, 0, FLOAT) + s(2, shape)))


def model(graph, opset=13):
    """A ModelProto (IR version 8) around GraphProto bytes."""
    return field(1, 0, 8) + s(8, field(2, 0, opset)) + s(7, graph)


def write_npy(path, dims, floats):
    """A float32 .npy file (version 1.0, header padded to 64 bytes as numpy writes it)."""
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': %r, }" % (tuple(dims),)
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    raw = struct.pack("<%df" % len(floats), *floats)
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + raw)
    return raw


def read_npy(path):
    """(shape, values) of a float32 .npy file version 1.0 as seedchip writes them."""
    b = open(path, "rb").read()
    if b[:6] != b"\x93NUMPY":
        raise ValueError("%s: not a .npy file" % path)
    hl = struct.unpack("<H", b[8:10])[0]
    head = ast.literal_eval(b[10:10 + hl].decode())
    if head["descr"] != "<f4":
        raise ValueError("%s: dtype %s, want <f4" % (path, head["descr"]))
    d = b[10 + hl:]
    return tuple(head["shape"]), struct.unpack("<%df" % (len(d) // 4), d)


def npy(path):
    """The values of a float32 .npy file."""
    return read_npy(path)[1]


def read_f32(path):
    """The values of a raw little-endian float32 file (onnxruntime-node's output here)."""
    b = open(path, "rb").read()
    return struct.unpack("<%df" % (len(b) // 4), b)


def max_abs_diff(a, b):
    if len(a) != len(b):
        raise ValueError("%d values against %d" % (len(a), len(b)))
    return max(abs(x - y) for x, y in zip(a, b))
