# SPDX-License-Identifier: Apache-2.0
# Row softmax of X[64 x L] fp32 in place, L = launch argument 0 (r1, <= 1024): one program
# serves every sequence length, because each descriptor's dim 0 is overridden by r1.
.program softmax_rows
.buffer X hbm fp32 64 1024
.buffer tmp spad fp32 2 64 offset=262144
.desc ld dma dims=1024,64 dst=spad:fp32:0:1,1024 src=hbm:fp32:X:1,1024
.desc st dma dims=1024,64 dst=hbm:fp32:X:1,1024 src=spad:fp32:0:1,1024
.desc rmax vec dims=1024,64 d=spad:fp32:tmp:1,1 a=spad:fp32:0:1,1024
.desc rsum vec dims=1024,64 d=spad:fp32:tmp+256:1,1 a=spad:fp32:0:1,1024
.desc sub vec dims=1024,64 d=spad:fp32:0:1,1024 a=spad:fp32:0:1,1024 b=spad:fp32:tmp:0,1
.desc ex vec dims=1024,64 d=spad:fp32:0:1,1024 a=spad:fp32:0:1,1024
.desc div vec dims=1024,64 d=spad:fp32:0:1,1024 a=spad:fp32:0:1,1024 b=spad:fp32:tmp+256:0,1

.core 0
.queue load
    dma ld, r0, r0, r1, 0
    signal 0, 1

.queue compute
    wait 0, 1
    vredmax rmax, r0, r0, 0, r1, 0      # m[r] = max_c X[r][c]
    vsub sub, r0, r0, r0, r1, 0         # X -= m (broadcast along columns)
    vexp ex, r0, r0, r1, 0
    vredsum rsum, r0, r0, 0, r1, 0      # s[r] = sum_c X[r][c]
    vdiv div, r0, r0, r0, r1, 0         # X /= s
    signal 1, 1

.queue store
    wait 1, 1
    dma st, r0, r0, r1, 0
