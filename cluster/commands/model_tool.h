/* What the commands that use a trained model (reconstruct, embed, search,
 * sample, fid) share. They run as one process, an MPI singleton, so that
 * the job, data, model and checkpoint code of training serves them
 * unchanged, on a trained model and every row of one split of a data file
 * (play: a DQN and its environment, no data). */
#ifndef CT_CLUSTER_MODEL_TOOL_H
#define CT_CLUSTER_MODEL_TOOL_H

#include <stdbool.h>

#include "cluster/families/autoencoder.h"
#include "cluster/families/dqn.h"
#include "cluster/families/families.h"
#include "cluster/families/gan.h"
#include "cluster/commands/options.h"
#include "cluster/run/restore.h"

typedef struct ct_model_tool {
    const char *command;    /* "reconstruct": names it in messages */
    ct_world world;
    bool world_up;
    ct_run run;
    char origin[4200];
    ct_autoencoder *ae;     /* the model, as its family has it (the others NULL) */
    ct_gan *gan;
    ct_net *classifier;
    ct_dqn *dqn;
    const ct_shard *split;  /* every row of the split; labels when asked */
} ct_model_tool;

/* Parses argv (argv[0] the command) with the options every such command
 * takes, --data FILE.h5, --split NAME and --job JOB.yaml, into src, plus
 * the command's own (at most 8); the checkpoint is the one positional
 * argument. */
int ct_model_tool_parse(int argc, char **argv, ct_restore_source *src, const ct_option *extra, int nextra,
                     ct_error *err);

/* Starts MPI (one process only: more is an error), loads the job, reads
 * every row of the split (with its labels when `labels`), builds the model
 * of `family` (a checkpoint of another is an error naming both) and loads
 * its tensors from the checkpoint: errors name the tensor that is missing
 * or has another shape. Call ct_model_tool_close afterwards, whatever this
 * returns. */
int ct_model_tool_open(ct_model_tool *t, const char *command, const ct_restore_source *src,
                       const ct_family *family, bool labels, ct_error *err);

/* A second model in the same process (fid's classifier): t shares the
 * world of `first`, which stays open; close t before first. */
int ct_model_tool_open_also(ct_model_tool *t, const ct_model_tool *first, const ct_restore_source *src,
                            const ct_family *family, bool labels, ct_error *err);

/* An autoencoder's latent codes of every row of the split (clean inputs,
 * in chunks of train.eval_batch_size): [rows, latent_size], owned by the
 * caller. */
float *ct_model_tool_codes(ct_model_tool *t);

/* The names of the split's classes, from the `class_names` attribute of
 * its labels: names[label] or, where the file has none, the label's number
 * (into buf[size]). */
const char *ct_model_tool_class_name(const ct_model_tool *t, int32_t label, char *buf, size_t size);

/* Prints err (unless rc is CT_OK) as ctrain's one error line, frees
 * everything and ends MPI. Returns the exit status. t may be zeroed only
 * (when parsing failed). */
int ct_model_tool_close(ct_model_tool *t, int rc, const ct_error *err);

#endif
