// SPDX-License-Identifier: Apache-2.0
// Instruction semantics: dispatch, scalar/control, semaphores and barriers (units live elsewhere).
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* Scalar, control and sync instructions take one cycle of their queue. */
#define SCALAR_CYCLES 1

static void setr(squeue *q, int64_t rd, int64_t v) {
    if (rd != 0) q->r[rd] = v;
}

static int64_t R(const squeue *q, int64_t r) {
    return q->r[r];
}

static int64_t wrap_add(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wrap_sub(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wrap_mul(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* Branch: target may equal the stream length (= end of stream). */
static void branch(squeue *q, int taken, int64_t target) {
    q->pc = taken ? (size_t)target : q->pc + 1;
}

static sc_status exec_div(const sc_sim *s, squeue *q, const sc_insn *in, int rem, sc_err *err) {
    int64_t a = R(q, in->v[1]), b = R(q, in->v[2]);
    if (b == 0) return sim_trap(s, q, err, "division by zero (%s)", rem ? "rem" : "div");
    int64_t r;
    if (b == -1) /* INT64_MIN / -1 overflows in C; the ISA wraps */
        r = rem ? 0 : wrap_sub(0, a);
    else
        r = rem ? a % b : a / b;
    setr(q, in->v[0], r);
    q->pc++;
    return SC_OK;
}

static sc_status exec_lds_sts(sc_sim *s, squeue *q, const sc_insn *in, int store, sc_err *err) {
    int64_t addr = wrap_add(R(q, in->v[1]), in->v[2]);
    sc_status rc = sim_spad_range(s, q, addr, 8, 8, store ? "sts" : "lds", err);
    if (rc != SC_OK) return rc;
    score *c = sim_core(s, q->chip, q->core);
    uint64_t a = (uint64_t)addr;
    int key = sim_mem_key(s, SC_SPACE_SPAD, q->chip, q->core);
    q->t = sim_dep_ready(q, key, a, a + 8, q->t);
    if (store) {
        if (s->p.race_check) sim_race_write(s, q, q->chip, q->core, a, a + 8);
        if (s->functional) {
            uint8_t b[8];
            uint64_t v = (uint64_t)R(q, in->v[0]);
            for (int i = 0; i < 8; i++)
                b[i] = (uint8_t)(v >> (8 * i));
            if (pmem_write(&c->spad, a, b, 8))
                return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        }
    } else {
        if (s->p.race_check) {
            rc = sim_race_read(s, q, q->chip, q->core, a, a + 8, err);
            if (rc != SC_OK) return rc;
        }
        uint64_t v = 0;
        if (s->functional) {
            uint8_t b[8];
            pmem_read(&c->spad, a, b, 8);
            for (int i = 0; i < 8; i++)
                v |= (uint64_t)b[i] << (8 * i);
        }
        setr(q, in->v[0], (int64_t)v);
    }
    s->st.bytes_spad += 8;
    q->pc++;
    return SC_OK;
}

static int64_t special_reg(const sc_sim *s, const squeue *q, int id) {
    switch (id) {
    case SC_SREG_CORE:
        return q->core;
    case SC_SREG_CHIP:
        return q->chip;
    case SC_SREG_NCORES:
        return sc_program_cores(s->prog);
    case SC_SREG_NCHIPS:
        return s->p.n_chips;
    default:
        return q->q;
    }
}

static sc_status exec_rrr(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    int64_t a = R(q, in->v[1]), b = R(q, in->v[2]), v = 0;
    switch (in->op) {
    case SC_OP_ADD:
        v = wrap_add(a, b);
        break;
    case SC_OP_SUB:
        v = wrap_sub(a, b);
        break;
    case SC_OP_MUL:
        v = wrap_mul(a, b);
        break;
    case SC_OP_DIV:
        return exec_div(s, q, in, 0, err);
    case SC_OP_REM:
        return exec_div(s, q, in, 1, err);
    case SC_OP_SHL:
        v = (int64_t)((uint64_t)a << (b & 63));
        break;
    case SC_OP_SHR:
        v = (int64_t)((uint64_t)a >> (b & 63));
        break;
    case SC_OP_AND:
        v = a & b;
        break;
    case SC_OP_OR:
        v = a | b;
        break;
    case SC_OP_XOR:
        v = a ^ b;
        break;
    case SC_OP_MIN:
        v = a < b ? a : b;
        break;
    case SC_OP_MAX:
        v = a > b ? a : b;
        break;
    default:
        return sim_trap(s, q, err, "invalid opcode %u", in->op);
    }
    setr(q, in->v[0], v);
    q->pc++;
    return SC_OK;
}

static sc_status exec_scalar(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    switch (in->op) {
    case SC_OP_LI:
        setr(q, in->v[0], in->v[1]);
        break;
    case SC_OP_ADDI:
        setr(q, in->v[0], wrap_add(R(q, in->v[1]), in->v[2]));
        break;
    case SC_OP_RDSR:
        setr(q, in->v[0], special_reg(s, q, (int)in->v[1]));
        break;
    case SC_OP_LDS:
        return exec_lds_sts(s, q, in, 0, err);
    case SC_OP_STS:
        return exec_lds_sts(s, q, in, 1, err);
    default:
        return exec_rrr(s, q, in, err);
    }
    q->pc++;
    return SC_OK;
}

static sc_status exec_control(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    switch (in->op) {
    case SC_OP_NOP:
        q->pc++;
        break;
    case SC_OP_HALT:
        q->pc = q->n;
        break;
    case SC_OP_TRAP:
        return sim_trap(s, q, err, "trap instruction, code %lld", (long long)in->v[0]);
    case SC_OP_JMP:
        q->pc = (size_t)in->v[0];
        break;
    case SC_OP_BEQ:
        branch(q, R(q, in->v[0]) == R(q, in->v[1]), in->v[2]);
        break;
    case SC_OP_BNE:
        branch(q, R(q, in->v[0]) != R(q, in->v[1]), in->v[2]);
        break;
    case SC_OP_BLT:
        branch(q, R(q, in->v[0]) < R(q, in->v[1]), in->v[2]);
        break;
    case SC_OP_BGE:
        branch(q, R(q, in->v[0]) >= R(q, in->v[1]), in->v[2]);
        break;
    case SC_OP_LOOP: {
        int64_t v = wrap_sub(R(q, in->v[0]), 1);
        setr(q, in->v[0], v);
        branch(q, v != 0, in->v[1]);
        break;
    }
    default:
        return sim_trap(s, q, err, "invalid opcode %u", in->op);
    }
    return SC_OK;
}

/* ---- Semaphores ---- */

static uint32_t *vc_copy(const sc_sim *s, const squeue *q) {
    if (!q->vc) return NULL;
    uint32_t *v = malloc((size_t)s->n_queues * sizeof *v);
    if (v) memcpy(v, q->vc, (size_t)s->n_queues * sizeof *v);
    return v;
}

static void vc_join(const sc_sim *s, uint32_t *dst, const uint32_t *src) {
    if (!dst || !src) return;
    for (int i = 0; i < s->n_queues; i++)
        if (src[i] > dst[i]) dst[i] = src[i];
}

/* Posted signal: the queue goes on issuing; the increment becomes visible to waiters at the
 * completion of every earlier instruction of the queue (the token's time). */
static sc_status exec_signal(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    sem *m = &sim_core(s, q->chip, q->core)->sems[in->v[0]];
    if (m->n == m->cap) {
        if (m->head > 0) { /* compact consumed tokens first */
            memmove(m->tok, m->tok + m->head, (m->n - m->head) * sizeof *m->tok);
            m->n -= m->head;
            m->head = 0;
        }
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 16;
            token *t = realloc(m->tok, cap * sizeof *t);
            if (!t) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
            m->tok = t;
            m->cap = cap;
        }
    }
    token *t = &m->tok[m->n++];
    t->time = SC_MAX(q->t, q->done_max);
    t->count = (uint32_t)in->v[1];
    t->vc = NULL;
    if (q->vc) {
        t->vc = vc_copy(s, q);
        if (!t->vc) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        q->vc[q->gid]++; /* later writes are not covered by this signal */
    }
    m->value += t->count;
    q->pc++;
    sim_wake_core(s, q->chip, q->core);
    return SC_OK;
}

/* Blocks (pc unchanged) until enough tokens exist; then consumes the oldest n. */
static sc_status exec_wait(sc_sim *s, squeue *q, const sc_insn *in) {
    sem *m = &sim_core(s, q->chip, q->core)->sems[in->v[0]];
    uint64_t need = (uint64_t)in->v[1];
    if (m->value < need) {
        q->state = Q_WAIT;
        return SC_OK;
    }
    uint64_t when = q->t;
    while (need) {
        token *t = &m->tok[m->head];
        uint32_t take = (uint32_t)SC_MIN((uint64_t)t->count, need);
        when = SC_MAX(when, t->time);
        vc_join(s, q->vc, t->vc);
        t->count -= take;
        need -= take;
        m->value -= take;
        if (t->count == 0) {
            free(t->vc);
            t->vc = NULL;
            m->head++;
        }
    }
    if (m->head == m->n) m->head = m->n = 0;
    if (when > q->t) sim_trace(s, "wait", q->chip * SIM_PID_CHIP + q->core, q->q, q->t, when);
    q->t = when;
    q->pc++;
    return SC_OK;
}

/* Whether queue o is parked at barrier id (it advanced its pc past the barrier). */
static int at_barrier(const squeue *o, int id) {
    return o->state == Q_BARRIER && o->pc > 0 && o->code[o->pc - 1].op == SC_OP_BARRIER &&
           o->code[o->pc - 1].v[0] == id;
}

/* Barrier: the last of `count` arrivals releases every queue of the chip waiting at it. */
static sc_status exec_barrier(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    schip *c = &s->chips[q->chip];
    int id = (int)in->v[0], count = (int)in->v[1];
    sbarrier *b = &c->bars[id];
    b->arrived++;
    b->release = SC_MAX(b->release, q->t);
    if (b->arrived < count) {
        q->pc++;
        q->state = Q_BARRIER;
        return SC_OK;
    }
    /* Release: join every participant's clock (happens-before across the barrier). */
    size_t per = (size_t)s->n_cores * SC_QUEUE_COUNT, g0 = (size_t)q->chip * per;
    uint32_t *join = NULL;
    if (q->vc) {
        join = calloc((size_t)s->n_queues, sizeof *join);
        if (!join) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        vc_join(s, join, q->vc);
        for (size_t g = g0; g < g0 + per; g++)
            if (at_barrier(&s->queues[g], id)) vc_join(s, join, s->queues[g].vc);
    }
    for (size_t g = g0; g < g0 + per; g++) {
        squeue *o = &s->queues[g];
        if (o != q && !at_barrier(o, id)) continue;
        if (join) {
            vc_join(s, o->vc, join);
            o->vc[o->gid]++;
        }
        sim_trace(s, "barrier", o->chip * SIM_PID_CHIP + o->core, o->q, o->t, b->release);
        if (o == q) {
            o->t = b->release; /* sim_exec adds the instruction's cycle */
            continue;
        }
        o->t = b->release + SCALAR_CYCLES;
        if (o->pc >= o->n)
            o->state = Q_HALTED;
        else
            sim_ready(s, o);
        if (o->state == Q_HALTED) s->end_cycle = SC_MAX(s->end_cycle, SC_MAX(o->t, o->done_max));
    }
    q->pc++;
    free(join);
    b->arrived = 0;
    b->release = 0;
    return SC_OK;
}

static sc_status exec_sync(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    switch (in->op) {
    case SC_OP_SIGNAL:
        return exec_signal(s, q, in, err);
    case SC_OP_WAIT:
        return exec_wait(s, q, in);
    default:
        return exec_barrier(s, q, in, err);
    }
}

static void finish_queue(sc_sim *s, squeue *q) {
    if (q->state == Q_RUN && q->pc >= q->n) q->state = Q_HALTED;
    if (q->state == Q_HALTED) s->end_cycle = SC_MAX(s->end_cycle, SC_MAX(q->t, q->done_max));
}

sc_status sim_exec(sc_sim *s, squeue *q, uint64_t now, sc_err *err) {
    (void)now;
    if (q->pc >= q->n) {
        q->state = Q_HALTED;
        finish_queue(s, q);
        return SC_OK;
    }
    const sc_insn *in = &q->code[q->pc];
    const sc_opinfo *info = sc_isa_info(in->op);
    if (!info) return sim_trap(s, q, err, "invalid opcode %u", in->op);
    if (!(sc_isa_class_queues(info->cls) & (1u << q->q)))
        return sim_trap(s, q, err, "%s is not allowed in the %s queue", info->mnemonic,
                        sc_isa_queue_name((sc_queue)q->q));
    sc_status rc;
    switch (info->cls) {
    case SC_CLASS_CONTROL:
        rc = exec_control(s, q, in, err);
        break;
    case SC_CLASS_SCALAR:
        rc = exec_scalar(s, q, in, err);
        break;
    case SC_CLASS_SYNC:
        rc = exec_sync(s, q, in, err);
        break;
    case SC_CLASS_DMA:
        rc = sim_exec_dma(s, q, in, err);
        break;
    case SC_CLASS_MMA:
        rc = sim_exec_mma(s, q, in, err);
        break;
    case SC_CLASS_VEC:
        rc = sim_exec_vec(s, q, in, err);
        break;
    default:
        if (in->op == SC_OP_SEND)
            rc = sim_exec_send(s, q, in, err);
        else if (in->op == SC_OP_RECV)
            rc = sim_exec_recv(s, q, in, err);
        else
            rc = sim_exec_allreduce(s, q, in, err);
        break;
    }
    if (rc != SC_OK) return rc;
    /* A blocked instruction (pc unchanged, waiting state) costs nothing until it retries. */
    if (q->state == Q_WAIT || q->state == Q_RECV) return SC_OK;
    q->insns++;
    if (q->state == Q_RUN) q->t += SCALAR_CYCLES;
    finish_queue(s, q);
    return SC_OK;
}
