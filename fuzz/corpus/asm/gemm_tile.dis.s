# SeedChip program (seedchip disasm); re-assembles with seedchip asm
.program gemm_tile
.cores 1
.buffer A hbm bf16 128 256 offset=0 size=65536
.buffer B hbm bf16 256 128 offset=65536 size=65536
.buffer C hbm fp32 128 128 offset=131072 size=65536
.desc ldA dma dims=128,128,1,1 dst=spad:bf16:0:1,128,0,0 src=hbm:bf16:A:1,256,0,0
.desc ldB dma dims=128,128,1,1 dst=spad:bf16:32768:1,128,0,0 src=hbm:bf16:B:1,128,0,0
.desc stC dma dims=128,128,1,1 dst=hbm:fp32:C:1,128,0,0 src=spad:fp32:131072:1,128,0,0

.core 0
.queue load
    li r1, 2
    li r2, 0
    li r3, 0
    li r4, 0
L4:
    dma ldA, r4, r2, r0, 0
    dma ldB, r4, r3, r0, 0
    signal 0, 1
    addi r2, r2, 256
    addi r3, r3, 32768
    addi r4, r4, 65536
    loop r1, L4
    halt
.queue compute
    li r4, 0
    li r5, 32768
    li r6, 131072
    wait 0, 1
    mmai r6, r4, r5, 128, 128, 128, bf16, bf16, fp32, 0
    addi r4, r4, 65536
    addi r5, r5, 65536
    wait 0, 1
    mmai r6, r4, r5, 128, 128, 128, bf16, bf16, fp32, acc
    signal 1, 1
    halt
.queue store
    wait 1, 1
    dma stC, r0, r0, r0, 0
