// SPDX-License-Identifier: Apache-2.0
// Renders a chip's derived figures as text or JSON (shared by `chip show` and `demo`).
#ifndef SC_CHIP_PRINT_H
#define SC_CHIP_PRINT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "chip/chip.h"

cJSON *chip_summary_json(const sc_chip *chip);
void chip_print_text(FILE *out, const sc_chip *chip);

#endif
