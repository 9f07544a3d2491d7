// SPDX-License-Identifier: Apache-2.0
// Sub-commands of `seedchip llm` implemented in their own files (dispatched by cmd_llm.c).
#ifndef SC_CMD_LLM_H
#define SC_CMD_LLM_H

/* `seedchip llm bench ...`: argv[0] is "bench". Returns the process exit status. */
int cmd_llm_bench(int argc, char **argv);
/* `seedchip llm generate ...` (tools/cmd_llm.c): argv[0] is "generate". */
int cmd_llm_generate(int argc, char **argv);

#endif
