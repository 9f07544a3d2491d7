// SPDX-License-Identifier: Apache-2.0
// Collectives over chip-to-chip links: send/recv (tag-matched, in order) and in-place allreduce.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numerics/numerics.h"
#include "sim/sim_internal.h"

static pmem *coll_mem(sc_sim *s, int space, int chip, int core) {
    if (!s->functional) return NULL;
    if (space == SC_SPACE_HBM) return &s->chips[chip].hbm;
    if (space == SC_SPACE_SHARED) return &s->chips[chip].shared;
    return &sim_core(s, chip, core)->spad;
}

static uint64_t coll_size(const sc_sim *s, int space, int chip, int core) {
    if (space == SC_SPACE_HBM) return s->chips[chip].hbm.size;
    if (space == SC_SPACE_SHARED) return s->chips[chip].shared.size;
    return s->cores[(size_t)chip * (size_t)s->n_cores + (size_t)core].spad.size;
}

static sc_status coll_range(const sc_sim *s, const squeue *q, int space, int64_t addr,
                            int64_t bytes, int align, sc_err *err) {
    uint64_t size = coll_size(s, space, q->chip, q->core);
    if (bytes < 0 || addr < 0 || (uint64_t)addr > size || (uint64_t)bytes > size - (uint64_t)addr)
        return sim_trap(s, q, err, "%s range [%lld, +%lld) out of bounds (%llu bytes)",
                        sc_isa_space_name((sc_space)space), (long long)addr, (long long)bytes,
                        (unsigned long long)size);
    if (align > 1 && addr % align)
        return sim_trap(s, q, err, "%s address %lld not aligned to %d",
                        sc_isa_space_name((sc_space)space), (long long)addr, align);
    return SC_OK;
}

static double link_bpc(const sc_sim *s) {
    return s->chip.link_bw / s->chip.clock_hz;
}

static sc_status need_links(const sc_sim *s, const squeue *q, sc_err *err) {
    if (s->chip.link_count <= 0 || s->chip.link_bw <= 0)
        return sim_trap(s, q, err, "%s has no chip-to-chip links", s->chip.name);
    return SC_OK;
}

/* ---- send / recv ---- */

static sc_status post(sc_sim *s, smsg *m, sc_err *err) {
    if (s->n_msgs == s->cap_msgs) {
        size_t cap = s->cap_msgs ? s->cap_msgs * 2 : 16;
        smsg *n = realloc(s->msgs, cap * sizeof *n);
        if (!n) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        s->msgs = n;
        s->cap_msgs = cap;
    }
    s->msgs[s->n_msgs++] = *m;
    return SC_OK;
}

sc_status sim_exec_send(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    int space = (int)in->v[0], dst = (int)in->v[3];
    int64_t addr = q->r[in->v[1]], len = q->r[in->v[2]];
    sc_status rc = need_links(s, q, err);
    if (rc == SC_OK && dst >= s->p.n_chips)
        rc = sim_trap(s, q, err, "send to chip %d, the run has %d chips", dst, s->p.n_chips);
    if (rc == SC_OK) rc = coll_range(s, q, space, addr, len, 1, err);
    if (rc == SC_OK && s->p.race_check && space == SC_SPACE_SPAD)
        rc = sim_race_read(s, q, q->chip, q->core, (uint64_t)addr, (uint64_t)(addr + len), err);
    if (rc != SC_OK) return rc;
    smsg m = {q->chip, dst, (int)in->v[4], 0, (uint64_t)len, NULL, 0};
    if (s->functional && len > 0) {
        m.data = malloc((size_t)len);
        if (!m.data) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        pmem_read(coll_mem(s, space, q->chip, q->core), (uint64_t)addr, m.data, (size_t)len);
    }
    schip *c = &s->chips[q->chip];
    int key = sim_mem_key(s, space, q->chip, q->core);
    uint64_t t = sim_dep_ready(q, key, (uint64_t)addr, (uint64_t)(addr + len), q->t);
    uint64_t start = SC_MAX(t, c->link_free);
    uint64_t dur = (uint64_t)ceil((double)len / link_bpc(s));
    c->link_free = start + (uint64_t)ceil((double)len / (link_bpc(s) * s->chip.link_count));
    uint64_t lat = (uint64_t)ceil(s->chip.link_latency * s->chip.clock_hz);
    m.ready = start + dur + lat;
    q->done_max = SC_MAX(q->done_max, start + dur);
    s->st.bytes_link += (double)len;
    s->st.link_busy += (double)dur;
    sim_trace(s, "send", q->chip * SIM_PID_CHIP + q->core, q->q, start, start + dur);
    rc = post(s, &m, err);
    if (rc != SC_OK) {
        free(m.data);
        return rc;
    }
    sim_wake_chip_recv(s, dst);
    q->pc++;
    return SC_OK;
}

sc_status sim_exec_recv(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    int space = (int)in->v[0], src = (int)in->v[3], tag = (int)in->v[4];
    int64_t addr = q->r[in->v[1]], len = q->r[in->v[2]];
    sc_status rc = need_links(s, q, err);
    if (rc == SC_OK && src >= s->p.n_chips)
        rc = sim_trap(s, q, err, "recv from chip %d, the run has %d chips", src, s->p.n_chips);
    if (rc == SC_OK) rc = coll_range(s, q, space, addr, len, 1, err);
    if (rc != SC_OK) return rc;
    smsg *m = NULL;
    for (size_t i = 0; i < s->n_msgs && !m; i++) {
        smsg *x = &s->msgs[i];
        if (!x->used && x->src_chip == src && x->dst_chip == q->chip && x->tag == tag) m = x;
    }
    if (!m) {
        q->state = Q_RECV;
        return SC_OK;
    }
    if (m->bytes != (uint64_t)len)
        return sim_trap(s, q, err, "recv of %lld bytes matches a send of %llu bytes (tag %d)",
                        (long long)len, (unsigned long long)m->bytes, tag);
    m->used = 1;
    if (s->p.race_check && space == SC_SPACE_SPAD &&
        sim_race_write(s, q, q->chip, q->core, (uint64_t)addr, (uint64_t)(addr + len)))
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    if (s->functional && m->data &&
        pmem_write(coll_mem(s, space, q->chip, q->core), (uint64_t)addr, m->data, (size_t)len))
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    free(m->data);
    m->data = NULL;
    if (m->ready > q->t)
        sim_trace(s, "recv", q->chip * SIM_PID_CHIP + q->core, q->q, q->t, m->ready);
    q->t = SC_MAX(q->t, m->ready);
    q->pc++;
    return SC_OK;
}

/* ---- allreduce ---- */

static scoll *find_coll(sc_sim *s, int gsize, int group, sc_err *err) {
    for (size_t i = 0; i < s->n_colls; i++)
        if (s->colls[i].active && s->colls[i].gsize == gsize && s->colls[i].group == group)
            return &s->colls[i];
    scoll *n = realloc(s->colls, (s->n_colls + 1) * sizeof *n);
    if (!n) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory"), NULL;
    s->colls = n;
    scoll *c = &s->colls[s->n_colls++];
    memset(c, 0, sizeof *c);
    c->members = malloc((size_t)gsize * sizeof *c->members);
    if (!c->members) {
        s->n_colls--;
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory"), NULL;
    }
    for (int i = 0; i < gsize; i++)
        c->members[i] = -1;
    c->gsize = gsize, c->group = group, c->active = 1;
    return c;
}

/* Sums in fp32 (int32 wrapping) in ascending chip order; rounds once to the dtype. */
static sc_status reduce_data(sc_sim *s, const scoll *c, sc_err *err) {
    const squeue *q0 = &s->queues[c->members[0]];
    const sc_insn *in0 = &q0->code[q0->pc - 1];
    sc_dtype t = (sc_dtype)in0->v[3];
    uint64_t n = (uint64_t)q0->r[in0->v[2]], es = sc_dtype_size(t);
    unsigned char *buf = malloc((size_t)(n * es) + 1);
    float *acc = calloc((size_t)n + 1, sizeof *acc);
    uint32_t *iacc = calloc((size_t)n + 1, sizeof *iacc);
    sc_status rc = SC_OK;
    if (!buf || !acc || !iacc) {
        rc = sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory in allreduce");
        goto out;
    }
    for (int m = 0; m < c->gsize; m++) {
        const squeue *q = &s->queues[c->members[m]];
        const sc_insn *in = &q->code[q->pc - 1];
        pmem_read(coll_mem(s, (int)in->v[0], q->chip, q->core), (uint64_t)q->r[in->v[1]], buf,
                  (size_t)(n * es));
        for (uint64_t i = 0; i < n; i++) {
            if (t == SC_DTYPE_INT32) {
                int32_t v;
                memcpy(&v, buf + 4 * i, 4);
                iacc[i] += (uint32_t)v;
            } else {
                acc[i] = acc[i] + sc_load_elem(t, buf, (size_t)i);
            }
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        if (t == SC_DTYPE_INT32)
            memcpy(buf + 4 * i, &iacc[i], 4);
        else
            sc_store_elem(t, buf, (size_t)i, acc[i]);
    }
    for (int m = 0; m < c->gsize && rc == SC_OK; m++) {
        const squeue *q = &s->queues[c->members[m]];
        const sc_insn *in = &q->code[q->pc - 1];
        if (pmem_write(coll_mem(s, (int)in->v[0], q->chip, q->core), (uint64_t)q->r[in->v[1]], buf,
                       (size_t)(n * es)))
            rc = sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    }
out:
    free(buf);
    free(acc);
    free(iacc);
    return rc;
}

/* Reduce-scatter + all-gather: 2(g-1)/g of the bytes over min(links, g-1) links, 2(g-1) hops. */
static uint64_t allreduce_cycles(const sc_sim *s, int g, uint64_t bytes) {
    if (g <= 1) return 0;
    double links = SC_MIN((double)s->chip.link_count, (double)(g - 1));
    double data = 2.0 * (g - 1) / g * (double)bytes / (link_bpc(s) * links);
    double lat = 2.0 * (g - 1) * s->chip.link_latency * s->chip.clock_hz;
    return (uint64_t)ceil(data + lat);
}

static sc_status release(sc_sim *s, scoll *c, uint64_t bytes, sc_err *err) {
    sc_status rc = s->functional ? reduce_data(s, c, err) : SC_OK;
    if (rc != SC_OK) return rc;
    uint64_t dur = allreduce_cycles(s, c->gsize, bytes);
    uint64_t end = c->release + dur;
    for (int m = 0; m < c->gsize; m++) {
        squeue *q = &s->queues[c->members[m]];
        const sc_insn *in = &q->code[q->pc - 1];
        int64_t addr = q->r[in->v[1]];
        if (s->p.race_check && in->v[0] == SC_SPACE_SPAD &&
            sim_race_write(s, q, q->chip, q->core, (uint64_t)addr, (uint64_t)addr + bytes))
            return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        sim_trace(s, "allreduce", q->chip * SIM_PID_CHIP + q->core, q->q, q->t, end);
        q->t = end;
        if (q->pc >= q->n)
            q->state = Q_HALTED;
        else
            sim_ready(s, q);
        if (q->state == Q_HALTED) s->end_cycle = SC_MAX(s->end_cycle, SC_MAX(q->t, q->done_max));
    }
    double moved = 2.0 * (c->gsize - 1) / c->gsize * (double)bytes * c->gsize;
    s->st.bytes_link += moved;
    s->st.link_busy += (double)dur * c->gsize;
    c->active = 0;
    return SC_OK;
}

sc_status sim_exec_allreduce(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    int space = (int)in->v[0], gsize = (int)in->v[4];
    sc_dtype t = (sc_dtype)in->v[3];
    int64_t addr = q->r[in->v[1]], count = q->r[in->v[2]];
    int es = (int)sc_dtype_size(t);
    int group = q->chip / gsize;
    sc_status rc = gsize > 1 ? need_links(s, q, err) : SC_OK;
    if (rc == SC_OK && (group + 1) * gsize > s->p.n_chips)
        rc = sim_trap(s, q, err, "allreduce group of %d chips starting at chip %d exceeds %d chips",
                      gsize, group * gsize, s->p.n_chips);
    if (rc == SC_OK && (count < 0 || count > INT64_MAX / 8))
        rc = sim_trap(s, q, err, "allreduce count %lld invalid", (long long)count);
    if (rc == SC_OK) rc = coll_range(s, q, space, addr, count * es, es, err);
    if (rc == SC_OK && s->p.race_check && space == SC_SPACE_SPAD)
        rc = sim_race_read(s, q, q->chip, q->core, (uint64_t)addr, (uint64_t)(addr + count * es),
                           err);
    if (rc != SC_OK) return rc;
    scoll *c = find_coll(s, gsize, group, err);
    if (!c) return err ? err->status : SC_ERR_NOMEM;
    int slot = q->chip - group * gsize;
    if (c->members[slot] >= 0) {
        const squeue *o = &s->queues[c->members[slot]];
        return sim_trap(s, q, err,
                        "second allreduce from chip %d before the group completed "
                        "(core %d queue %s already waits in one)",
                        q->chip, o->core, sc_isa_queue_name((sc_queue)o->q));
    }
    for (int m = 0; m < gsize; m++) {
        if (c->members[m] < 0) continue;
        const squeue *o = &s->queues[c->members[m]];
        const sc_insn *oi = &o->code[o->pc - 1];
        if (o->r[oi->v[2]] != count || oi->v[3] != in->v[3])
            return sim_trap(s, q, err, "allreduce differs from the group's (count or dtype)");
        break;
    }
    c->members[slot] = q->gid;
    c->arrived++;
    c->release = SC_MAX(c->release, q->t);
    q->pc++;
    q->state = Q_COLLECTIVE;
    if (c->arrived < gsize) return SC_OK;
    q->state = Q_RUN;
    return release(s, c, (uint64_t)(count * es), err);
}
