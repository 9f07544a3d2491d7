// SPDX-License-Identifier: Apache-2.0
// Validation internals shared by the row predictors and the calibration fit.
#ifndef SC_REPORT_VALIDATE_INTERNAL_H
#define SC_REPORT_VALIDATE_INTERNAL_H

#include "report/validate.h"

/* Predicts one row on chip (whose efficiency fields apply); fills predicted/error or skipped. */
void sc_val_predict_row(const sc_val_row *r, const sc_chip *chip, sc_val_result *res);
/* LLM rows (validate_llm.c): predicted through runtime/llm_perf; error is left to the caller. */
void sc_val_predict_llm(const sc_val_row *r, const sc_chip *chip, sc_val_result *res);

#endif
