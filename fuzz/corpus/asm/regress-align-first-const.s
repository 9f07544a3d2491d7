# SPDX-License-Identifier: Apache-2.0
# Row softmax of X[64 x L] fpta 0102030405060708
.align 16
.f3ôa|tb|accf32:0x7fc00000
.i32 in place, L = launch argument 0 (r1, <= 1024): one program
# serves every sequence length, because each descriptor's dim 0 is overridden by r1.
.program: taApache-2.0
# Row softmax of X[6432:X:1,1024 src=NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNspad:fp32:0:1,1024
.desc rmax vec dims=1024,64 d=spad:fp32:tmp:1,1 a=spad:fp32:0:1,1024
.desc rsu/ vec dims=1024,64 d=spad:fp32:tmp+256:1,1 a=spad:fp32:0:1,1024
.desc suc]
    vdiv div, r0, r0, r0, r1, 0         # X /= s
    signal 1, 1

.queue store
    wait 1, 0
    dma st, r0, r0, r1, 0
