.program dirs
.cores 2
.buffer W const int8 4 8
.buffer X spad fp32 16 offset=0 size=64
.buffer Y shared bf16 2 2 2 2
.data 0102030405060708
.align 16
.f32 1.5 -2 f32:0x7fc00000
.i32 -1 2147483647
.i64 -9223372036854775808
.desc v vec dims=16 d=spad:fp32:X:1 a=spad:fp32:X:1
.core 1
.queue compute
top:
    vexp v, r0, r0, r0, 0
    jmp top2
top2:
    halt
