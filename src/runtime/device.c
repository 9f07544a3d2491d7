// SPDX-License-Identifier: Apache-2.0
// Public device runtime (include/seedchip.h): memory allocation, program loading, launches.
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* One allocated or reserved HBM range. */
typedef struct dev_range {
    uint64_t addr, size;
    int reserved_by; /* program id, or -1 for sc_device_alloc */
} dev_range;

struct sc_device {
    sc_chip chip;
    sc_device_params p;
    sc_sim *sim;
    sc_program **progs; /* owned */
    int n_progs;
    dev_range *r; /* sorted by addr */
    size_t n_r, cap_r;
    int launched;
    sc_status last;
    char err[512];
};

sc_device_params sc_device_default_params(void) {
    sc_device_params p;
    memset(&p, 0, sizeof p);
    p.mode = SC_DEVICE_BOTH;
    p.n_chips = 1;
    p.race_check = 1;
    return p;
}

/* Records the handle's last error and returns its status. */
static sc_status fail(sc_device *d, sc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static sc_status fail(sc_device *d, sc_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return st;
}

static sc_status from_err(sc_device *d, const sc_err *e) {
    snprintf(d->err, sizeof d->err, "%s", e->msg);
    return e->status ? e->status : SC_ERR_INVALID_ARG;
}

sc_status sc_device_open(const sc_chip *chip, const sc_device_params *params, sc_device **out,
                         char *errbuf, size_t errbuf_len) {
    if (errbuf && errbuf_len) errbuf[0] = '\0';
    if (!out) return SC_ERR_INVALID_ARG;
    *out = NULL;
    if (!chip) {
        if (errbuf) snprintf(errbuf, errbuf_len, "sc_device_open: NULL chip");
        return SC_ERR_INVALID_ARG;
    }
    sc_device *d = calloc(1, sizeof *d);
    if (!d) return SC_ERR_NOMEM;
    d->chip = *chip;
    d->p = params ? *params : sc_device_default_params();
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = (sc_sim_mode)d->p.mode;
    sp.n_chips = d->p.n_chips;
    sp.race_check = d->p.race_check;
    sp.max_insns = d->p.max_insns;
    sp.trace = d->p.trace;
    sc_err e = {0};
    sc_status st = sc_sim_create(&d->chip, &sp, &d->sim, &e);
    if (st != SC_OK) {
        if (errbuf) snprintf(errbuf, errbuf_len, "%s", e.msg);
        free(d);
        return st;
    }
    *out = d;
    return SC_OK;
}

void sc_device_destroy(sc_device *dev) {
    if (!dev) return;
    for (int i = 0; i < dev->n_progs; i++)
        sc_program_destroy(dev->progs[i]);
    free(dev->progs);
    free(dev->r);
    sc_sim_destroy(dev->sim);
    free(dev);
}

const char *sc_device_errmsg(const sc_device *dev) {
    return dev ? dev->err : "NULL device";
}

uint64_t sc_device_hbm_bytes(const sc_device *dev) {
    return dev ? sc_sim_hbm_capacity(dev->sim) : 0;
}

/* ---- HBM allocator: first fit over a sorted range list ---- */

static sc_status insert_range(sc_device *d, uint64_t addr, uint64_t size, int owner) {
    if (d->n_r == d->cap_r) {
        size_t cap = d->cap_r ? d->cap_r * 2 : 16;
        dev_range *r = realloc(d->r, cap * sizeof *r);
        if (!r) return fail(d, SC_ERR_NOMEM, "out of host memory");
        d->r = r;
        d->cap_r = cap;
    }
    size_t i = 0;
    while (i < d->n_r && d->r[i].addr < addr)
        i++;
    memmove(d->r + i + 1, d->r + i, (d->n_r - i) * sizeof *d->r);
    d->r[i].addr = addr, d->r[i].size = size, d->r[i].reserved_by = owner;
    d->n_r++;
    return SC_OK;
}

sc_status sc_device_alloc(sc_device *dev, uint64_t bytes, uint64_t align, uint64_t *addr) {
    if (!dev || !addr) return SC_ERR_INVALID_ARG;
    if (align == 0) align = 64;
    if (bytes == 0 || (align & (align - 1)))
        return fail(dev, SC_ERR_INVALID_ARG, "alloc: size must be > 0 and align a power of two");
    uint64_t cap = sc_device_hbm_bytes(dev), at = 0;
    for (size_t i = 0; i <= dev->n_r; i++) {
        at = (at + align - 1) & ~(align - 1);
        uint64_t end = i < dev->n_r ? dev->r[i].addr : cap;
        if (at <= end && end - at >= bytes) {
            *addr = at;
            return insert_range(dev, at, bytes, -1);
        }
        if (i < dev->n_r) at = SC_MAX(at, dev->r[i].addr + dev->r[i].size);
    }
    return fail(dev, SC_ERR_LIMIT, "alloc: no free range of %llu bytes in %llu bytes of HBM",
                (unsigned long long)bytes, (unsigned long long)cap);
}

sc_status sc_device_free(sc_device *dev, uint64_t addr) {
    if (!dev) return SC_ERR_INVALID_ARG;
    for (size_t i = 0; i < dev->n_r; i++)
        if (dev->r[i].addr == addr && dev->r[i].reserved_by < 0) {
            memmove(dev->r + i, dev->r + i + 1, (dev->n_r - i - 1) * sizeof *dev->r);
            dev->n_r--;
            return SC_OK;
        }
    return fail(dev, SC_ERR_INVALID_ARG, "free: 0x%llx is not an allocation",
                (unsigned long long)addr);
}

sc_status sc_device_copy_in(sc_device *dev, int chip, uint64_t addr, const void *src, size_t n) {
    if (!dev) return SC_ERR_INVALID_ARG;
    sc_err e = {0};
    if (sc_sim_write(dev->sim, chip, SC_SPACE_HBM, 0, addr, src, n, &e) != SC_OK)
        return from_err(dev, &e);
    return SC_OK;
}

sc_status sc_device_copy_out(sc_device *dev, int chip, uint64_t addr, void *dst, size_t n) {
    if (!dev) return SC_ERR_INVALID_ARG;
    sc_err e = {0};
    if (sc_sim_read(dev->sim, chip, SC_SPACE_HBM, 0, addr, dst, n, &e) != SC_OK)
        return from_err(dev, &e);
    return SC_OK;
}

/* ---- Programs ---- */

/* Reserves the program's HBM buffers; fails if one overlaps an allocation. */
static sc_status reserve_buffers(sc_device *d, const sc_program *p, int id) {
    for (size_t i = 0; i < sc_program_n_buffers(p); i++) {
        const sc_buffer *b = sc_program_buffer(p, i);
        if (b->space != SC_SPACE_HBM || b->size == 0) continue;
        if (b->offset > sc_device_hbm_bytes(d) || b->size > sc_device_hbm_bytes(d) - b->offset)
            return fail(d, SC_ERR_LIMIT, "load: buffer %s [%llu, +%llu) beyond HBM", b->name,
                        (unsigned long long)b->offset, (unsigned long long)b->size);
        for (size_t k = 0; k < d->n_r; k++) {
            const dev_range *r = &d->r[k];
            if (r->reserved_by < 0 && r->addr < b->offset + b->size &&
                b->offset < r->addr + r->size)
                return fail(d, SC_ERR_STATE, "load: buffer %s overlaps allocation 0x%llx", b->name,
                            (unsigned long long)r->addr);
        }
        sc_status st = insert_range(d, b->offset, b->size, id);
        if (st != SC_OK) return st;
    }
    return SC_OK;
}

sc_status sc_device_load(sc_device *dev, const void *scb, size_t len, int *program_id) {
    if (!dev || !scb || !program_id) return SC_ERR_INVALID_ARG;
    sc_program *p = NULL;
    sc_err e = {0};
    if (sc_program_parse(scb, len, &p, &e) != SC_OK) return from_err(dev, &e);
    int cores = sc_program_cores(p);
    if (cores > dev->chip.cores) {
        sc_program_destroy(p);
        return fail(dev, SC_ERR_UNSUPPORTED, "load: program uses %d cores, %s has %d", cores,
                    dev->chip.name, dev->chip.cores);
    }
    sc_program **n = realloc(dev->progs, (size_t)(dev->n_progs + 1) * sizeof *n);
    if (!n) {
        sc_program_destroy(p);
        return fail(dev, SC_ERR_NOMEM, "out of host memory");
    }
    dev->progs = n;
    int id = dev->n_progs;
    sc_status st = reserve_buffers(dev, p, id);
    if (st != SC_OK) {
        for (size_t k = dev->n_r; k-- > 0;) /* undo this program's reservations */
            if (dev->r[k].reserved_by == id) {
                memmove(dev->r + k, dev->r + k + 1, (dev->n_r - k - 1) * sizeof *dev->r);
                dev->n_r--;
            }
        sc_program_destroy(p);
        return st;
    }
    dev->progs[dev->n_progs++] = p;
    *program_id = id;
    return SC_OK;
}

sc_status sc_device_load_file(sc_device *dev, const char *path, int *program_id) {
    if (!dev || !path) return SC_ERR_INVALID_ARG;
    unsigned char *data = NULL;
    size_t len = 0;
    sc_err e = {0};
    if (sc_read_file(path, (size_t)1 << 31, &data, &len, &e) != SC_OK) return from_err(dev, &e);
    sc_status st = sc_device_load(dev, data, len, program_id);
    if (st != SC_OK && strncmp(dev->err, path, strlen(path)) != 0) {
        char msg[sizeof dev->err];
        snprintf(msg, sizeof msg, "%.200s: %.300s", path, dev->err);
        snprintf(dev->err, sizeof dev->err, "%s", msg);
    }
    free(data);
    return st;
}

static const sc_program *prog(const sc_device *d, int id) {
    return id >= 0 && id < d->n_progs ? d->progs[id] : NULL;
}

sc_status sc_device_buffer(const sc_device *dev, int program_id, const char *name, uint64_t *addr,
                           uint64_t *bytes) {
    if (!dev || !name) return SC_ERR_INVALID_ARG;
    const sc_program *p = prog(dev, program_id);
    if (!p) return SC_ERR_INVALID_ARG;
    int i = sc_program_find_buffer(p, name);
    if (i < 0) return SC_ERR_NOT_FOUND;
    const sc_buffer *b = sc_program_buffer(p, (size_t)i);
    if (addr) *addr = b->offset;
    if (bytes) *bytes = b->size;
    return SC_OK;
}

sc_status sc_device_launch(sc_device *dev, int program_id, const int64_t *args, int n_args) {
    if (!dev) return SC_ERR_INVALID_ARG;
    const sc_program *p = prog(dev, program_id);
    if (!p) return fail(dev, SC_ERR_INVALID_ARG, "launch: no program %d", program_id);
    if (n_args < 0 || n_args > SC_ISA_ARG_REGS || (n_args && !args))
        return fail(dev, SC_ERR_INVALID_ARG, "launch: 0..%d arguments", SC_ISA_ARG_REGS);
    sc_err e = {0};
    dev->err[0] = '\0';
    dev->last = sc_sim_run(dev->sim, p, args, n_args, &e);
    dev->launched = 1;
    if (dev->last != SC_OK) snprintf(dev->err, sizeof dev->err, "%s", e.msg);
    return SC_OK;
}

sc_status sc_device_wait(sc_device *dev) {
    if (!dev) return SC_ERR_INVALID_ARG;
    if (!dev->launched) return fail(dev, SC_ERR_STATE, "wait: nothing was launched");
    return dev->last;
}

sc_status sc_device_run_info_get(const sc_device *dev, sc_device_run_info *out) {
    if (!dev || !out) return SC_ERR_INVALID_ARG;
    if (!dev->launched) return SC_ERR_STATE;
    sc_sim_stats st;
    sc_sim_get_stats(dev->sim, &st);
    memset(out, 0, sizeof *out);
    out->cycles = st.cycles;
    out->insns = st.insns;
    out->seconds = st.seconds;
    out->flops = st.flops;
    out->hbm_bytes = st.bytes_hbm_read + st.bytes_hbm_write;
    out->energy_j = st.energy_total;
    return SC_OK;
}

char *sc_device_stats_json(const sc_device *dev) {
    return dev && dev->launched ? sc_sim_stats_json(dev->sim) : NULL;
}

char *sc_device_trace_json(const sc_device *dev) {
    return dev && dev->launched && dev->p.trace ? sc_sim_trace_json(dev->sim) : NULL;
}
