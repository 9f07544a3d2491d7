# SeedChip program (seedchip disasm); re-assembles with seedchip asm
.program softmax_rows
.cores 1
.buffer X hbm fp32 64 1024 offset=0 size=262144
.buffer tmp spad fp32 2 64 offset=262144 size=512
.desc ld dma dims=1024,64,1,1 dst=spad:fp32:0:1,1024,0,0 src=hbm:fp32:X:1,1024,0,0
.desc st dma dims=1024,64,1,1 dst=hbm:fp32:X:1,1024,0,0 src=spad:fp32:0:1,1024,0,0
.desc rmax vec dims=1024,64,1,1 d=spad:fp32:tmp:1,1,0,0 a=spad:fp32:0:1,1024,0,0
.desc rsum vec dims=1024,64,1,1 d=spad:fp32:tmp+256:1,1,0,0 a=spad:fp32:0:1,1024,0,0
.desc sub vec dims=1024,64,1,1 d=spad:fp32:0:1,1024,0,0 a=spad:fp32:0:1,1024,0,0 b=spad:fp32:tmp:0,1,0,0
.desc ex vec dims=1024,64,1,1 d=spad:fp32:0:1,1024,0,0 a=spad:fp32:0:1,1024,0,0
.desc div vec dims=1024,64,1,1 d=spad:fp32:0:1,1024,0,0 a=spad:fp32:0:1,1024,0,0 b=spad:fp32:tmp+256:0,1,0,0

.core 0
.queue load
    dma ld, r0, r0, r1, 0
    signal 0, 1
.queue compute
    wait 0, 1
    vredmax rmax, r0, r0, 0, r1, 0
    vsub sub, r0, r0, r0, r1, 0
    vexp ex, r0, r0, r1, 0
    vredsum rsum, r0, r0, 0, r1, 0
    vdiv div, r0, r0, r0, r1, 0
    signal 1, 1
.queue store
    wait 1, 1
    dma st, r0, r0, r1, 0
