/* The ctrain commands. Each returns the process exit status (0 on success)
 * and has printed its own error message when it fails. */
#ifndef CT_CLUSTER_COMMANDS_H
#define CT_CLUSTER_COMMANDS_H

int ct_cmd_train(int argc, char **argv);
int ct_cmd_eval(int argc, char **argv);
int ct_cmd_reconstruct(int argc, char **argv);
int ct_cmd_embed(int argc, char **argv);
int ct_cmd_search(int argc, char **argv);
int ct_cmd_sample(int argc, char **argv);
int ct_cmd_fid(int argc, char **argv);
int ct_cmd_play(int argc, char **argv);
int ct_cmd_generate(int argc, char **argv);
int ct_cmd_plot(int argc, char **argv);
int ct_cmd_forecast(int argc, char **argv);
int ct_cmd_data(int argc, char **argv);
int ct_cmd_job(int argc, char **argv);
int ct_cmd_help(int argc, char **argv);

/* Prints "ctrain: error: <msg>" (to stderr) and returns 1. */
int ct_report_error(const char *msg);

#endif
