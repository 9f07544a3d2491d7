# SPDX-License-Identifier: Apache-2.0
# C[128x128] fp32 = A[128x256] bf16 * B[256x128] bf16 on core 0, K in two 128-deep steps.
# The load queue streams both K-steps into separate scratchpad slots and signals semaphore 0
# per step; compute waits per step; store waits on semaphore 1 and writes C back to HBM.
.program gemm_tile
.cores 1
.buffer A hbm bf16 128 256
.buffer B hbm bf16 256 128
.buffer C hbm fp32 128 128
# scratchpad map: slot k at k*65536: A tile (32 KiB) then B tile; C tile at 131072
.desc ldA dma dims=128,128 dst=spad:bf16:0:1,128 src=hbm:bf16:A:1,256
.desc ldB dma dims=128,128 dst=spad:bf16:32768:1,128 src=hbm:bf16:B:1,128
.desc stC dma dims=128,128 dst=hbm:fp32:C:1,128 src=spad:fp32:131072:1,128

.core 0
.queue load
    li r1, 2                # K steps
    li r2, 0                # byte offset of the A column block
    li r3, 0                # byte offset of the B row block
    li r4, 0                # scratchpad slot
kstep:
    dma ldA, r4, r2, r0, 0
    dma ldB, r4, r3, r0, 0
    signal 0, 1             # after both DMAs have landed
    addi r2, r2, 256        # 128 bf16 columns further
    addi r3, r3, 32768      # 128 rows of 128 bf16 further
    addi r4, r4, 65536
    loop r1, kstep
    halt

.queue compute
    li r4, 0                # A tile of slot 0
    li r5, 32768            # B tile of slot 0
    li r6, 131072           # C tile
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
