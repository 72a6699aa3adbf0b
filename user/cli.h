/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Subcommands: each parses its own options and returns an exit status. */
#ifndef __SPANTAP_CLI_H
#define __SPANTAP_CLI_H

int cmd_capture(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* libbpf's messages, shown from warnings up, or all with -v */
void cli__setup_libbpf_log(void);

#endif /* __SPANTAP_CLI_H */
