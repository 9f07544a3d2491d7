// SPDX-License-Identifier: Apache-2.0
// Expansion of the image ops (ConvTranspose, Resize, Upsample, LRN, MeanVarianceNormalization)
// into ops with lowerings, run by shape inference once the input shapes are known.
#ifndef SC_COMPILER_IR_SPATIAL_H
#define SC_COMPILER_IR_SPATIAL_H

#include "compiler/ir_util.h"

/* Called by shape inference for live node i before its own inference. When node i is one of
 * the ops above, it is replaced: *done = 1, node i is then the first new node and the old node
 * is dead behind the new ones. Ops that are not expanded leave *done = 0. */
sc_status ir_expand_spatial(sc_ir_graph *g, int i, int *done, sc_err *err);

/* Per-axis interpolation of Resize on the host (compile time): the [out x in] weight matrix of
 * one axis in m (row-major, out*in doubles) and, per output position, whether it falls outside
 * the input (tf_crop_and_resize extrapolation) in outside (may be NULL). Exposed for tests. */
typedef struct ir_resize_axis {
    const char *mode;  /* nearest, linear, cubic */
    const char *coord; /* coordinate_transformation_mode */
    const char *nearest_mode;
    double scale, cubic_a, roi_start, roi_end;
    int exclude_outside;
    int64_t in, out;
} ir_resize_axis;
int ir_resize_weights(const ir_resize_axis *a, double *m, unsigned char *outside);

#endif
