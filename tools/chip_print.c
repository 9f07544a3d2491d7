// SPDX-License-Identifier: Apache-2.0
// Renders a chip's derived figures as text or JSON (shared by `chip show` and `demo`).
#include "chip_print.h"

static const sc_dtype PEAK_TYPES[] = {SC_DTYPE_FP32,     SC_DTYPE_BF16, SC_DTYPE_FP16,
                                      SC_DTYPE_FP8_E4M3, SC_DTYPE_INT8, SC_DTYPE_INT4};

/* Vector-unit element operations per second (TOP/s): one per lane per cycle in fp32, fp64 at
 * tensor_core.vector_fp64_rate of that. */
static double vector_tops(const sc_chip *c, int fp64) {
    return c->cores * (double)c->vec_lanes * c->clock_hz * (fp64 ? c->vec_fp64_rate : 1.0) / 1e12;
}

cJSON *chip_summary_json(const sc_chip *chip) {
    sc_chip_summary s;
    sc_chip_summarize(chip, &s);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", s.name);
    cJSON_AddStringToObject(o, "description", chip->description);
    cJSON_AddStringToObject(o, "kind", s.kind);
    cJSON_AddStringToObject(o, "source", chip->source);
    cJSON_AddNumberToObject(o, "cores", s.cores);
    cJSON_AddNumberToObject(o, "clock_ghz", s.clock_ghz);
    cJSON *peak = cJSON_AddObjectToObject(o, "peak_tflops");
    for (size_t i = 0; i < sizeof PEAK_TYPES / sizeof PEAK_TYPES[0]; i++)
        cJSON_AddNumberToObject(peak, sc_dtype_name(PEAK_TYPES[i]), s.peak_tflops[PEAK_TYPES[i]]);
    cJSON *vec = cJSON_AddObjectToObject(o, "vector_tops");
    cJSON_AddNumberToObject(vec, "fp32", vector_tops(chip, 0));
    cJSON_AddNumberToObject(vec, "fp64", vector_tops(chip, 1));
    cJSON_AddNumberToObject(o, "hbm_bandwidth_gbs", s.hbm_bandwidth_gbs);
    cJSON_AddNumberToObject(o, "hbm_capacity_gb", s.hbm_capacity_gb);
    cJSON_AddStringToObject(o, "hbm_generation", chip->hbm.generation);
    cJSON_AddNumberToObject(o, "hbm_stacks", chip->hbm.stacks);
    cJSON_AddNumberToObject(o, "capacity_tier_gb", s.capacity_tier_gb);
    cJSON_AddNumberToObject(o, "capacity_tier_bandwidth_gbs", s.capacity_tier_bandwidth_gbs);
    cJSON_AddNumberToObject(o, "sram_total_mib", s.sram_total_mib);
    cJSON_AddNumberToObject(o, "scratchpad_per_core_kib", chip->scratchpad_bytes / 1024.0);
    cJSON_AddNumberToObject(o, "shared_sram_mib", chip->shared_sram_bytes / 1048576.0);
    cJSON_AddNumberToObject(o, "ridge_flop_per_byte", s.ridge_flop_per_byte);
    cJSON_AddNumberToObject(o, "link_bandwidth_gbs", s.link_bandwidth_gbs);
    cJSON_AddNumberToObject(o, "tdp_w", s.tdp_w);
    return o;
}

void chip_print_text(FILE *out, const sc_chip *chip) {
    sc_chip_summary s;
    sc_chip_summarize(chip, &s);
    fprintf(out, "%s  (%s)\n  %s\n  source: %s\n", s.name, s.kind, chip->description, chip->source);
    fprintf(out, "  compute        %d cores x %dx%d array @ %.2f GHz, %d vector lanes/core\n",
            s.cores, chip->sa_rows, chip->sa_cols, s.clock_ghz, chip->vec_lanes);
    fprintf(out, "  peak TFLOP/s  ");
    for (size_t i = 0; i < sizeof PEAK_TYPES / sizeof PEAK_TYPES[0]; i++)
        fprintf(out, " %s %.1f", sc_dtype_name(PEAK_TYPES[i]), s.peak_tflops[PEAK_TYPES[i]]);
    fprintf(out, "\n  vector TOP/s   fp32 %.1f fp64 %.2f (fp64 at %g of the lane rate)",
            vector_tops(chip, 0), vector_tops(chip, 1), chip->vec_fp64_rate);
    fprintf(out, "\n  HBM            %d x %s, %.1f GB, %.0f GB/s\n", chip->hbm.stacks,
            chip->hbm.generation, s.hbm_capacity_gb, s.hbm_bandwidth_gbs);
    if (chip->lpddr.present)
        fprintf(out, "  capacity tier  %d x %s, %.1f GB, %.0f GB/s\n", chip->lpddr.stacks,
                chip->lpddr.generation, s.capacity_tier_gb, s.capacity_tier_bandwidth_gbs);
    fprintf(out, "  SRAM           %.1f MiB total (%.0f KiB/core + %.1f MiB shared)\n",
            s.sram_total_mib, chip->scratchpad_bytes / 1024.0, chip->shared_sram_bytes / 1048576.0);
    fprintf(out, "  ridge point    %.0f FLOP/byte (bf16 peak / HBM bandwidth)\n",
            s.ridge_flop_per_byte);
    fprintf(out, "  links          %d x %.0f GB/s per direction\n", chip->link_count,
            chip->link_bw / 1e9);
    fprintf(out, "  power          %.0f W TDP\n", s.tdp_w);
}
