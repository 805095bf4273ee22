#include "cluster/commands/model_tool.h"
#include "cluster/families/families.h"

#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/run/family.h"
#include "engine/alloc.h"

#define COMMON_OPTIONS 3
#define MAX_EXTRA 8

int ct_model_tool_parse(int argc, char **argv, ct_restore_source *src, const ct_option *extra, int nextra,
                     ct_error *err)
{
    memset(src, 0, sizeof *src);
    ct_option options[COMMON_OPTIONS + MAX_EXTRA] = {
        {"--data", &src->data, NULL},
        {"--split", &src->split, NULL},
        {"--job", &src->job, NULL},
    };
    if (nextra > MAX_EXTRA)
        return ct_fail(err, "%s: too many options in its table", argv[0]);
    memcpy(options + COMMON_OPTIONS, extra, (size_t)nextra * sizeof *extra);
    return ct_options_parse(argc, argv, options, COMMON_OPTIONS + nextra, &src->checkpoint, "checkpoint", err);
}

/* Sets t's run up from src on t->world (already started) and finds its model. */
static int open_model(ct_model_tool *t, const char *command, const ct_restore_source *src, const ct_family *family,
                      bool labels, ct_error *err)
{
    t->command = command;
    ct_run_init(&t->run, &t->world);
    t->run.eval_labels = labels;
    if (ct_restore_for_eval(&t->run, src, family, t->origin, sizeof t->origin, err) != CT_OK)
        return ct_fail_context(err, "%s", command);
    t->ae = ct_autoencoder_of(&t->run, &t->split);
    if (!t->ae)
        t->gan = ct_gan_of(&t->run, &t->split);
    if (!t->ae && !t->gan)
        t->dqn = ct_dqn_of(&t->run);
    if (!t->ae && !t->gan && !t->dqn)
        t->classifier = ct_classifier_of(&t->run, &t->split);
    return CT_OK;
}

int ct_model_tool_open(ct_model_tool *t, const char *command, const ct_restore_source *src,
                       const ct_family *family, bool labels, ct_error *err)
{
    memset(t, 0, sizeof *t);
    if (ct_world_init(&t->world, NULL, NULL, err) != CT_OK)
        return CT_ERR;
    t->world_up = true;
    if (t->world.size > 1)
        return ct_fail(err, "%s runs as one process: start it without mpirun (found %d ranks)", command,
                       t->world.size);
    return open_model(t, command, src, family, labels, err);
}

int ct_model_tool_open_also(ct_model_tool *t, const ct_model_tool *first, const ct_restore_source *src,
                            const ct_family *family, bool labels, ct_error *err)
{
    memset(t, 0, sizeof *t);
    t->world = first->world;
    return open_model(t, first->command, src, family, labels, err);
}

float *ct_model_tool_codes(ct_model_tool *t)
{
    const ct_shard *s = t->split;
    int64_t chunk = t->run.job->train->eval_batch_size, latent = t->ae->latent_size;
    float *codes = CT_ALLOC_ARRAY(float, (size_t)s->nrows * (size_t)latent);
    float *x = ct_family_eval_inputs(&t->run, s);
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = t->run.job->seed};
    for (int64_t row = 0; row < s->nrows; row += chunk) {
        int64_t n = s->nrows - row < chunk ? s->nrows - row : chunk;
        ct_shard_rows_float(s, row, n, x);
        const float *z = ct_net_forward(&t->ae->encoder, x, n, &pass);
        memcpy(codes + row * latent, z, (size_t)(n * latent) * sizeof *codes);
    }
    ct_free(x);
    return codes;
}

const char *ct_model_tool_class_name(const ct_model_tool *t, int32_t label, char *buf, size_t size)
{
    const char *name = ct_shard_class_name(t->split, label);
    if (name)
        return name;
    snprintf(buf, size, "%d", (int)label);
    return buf;
}

int ct_model_tool_close(ct_model_tool *t, int rc, const ct_error *err)
{
    int status = 0;
    if (rc != CT_OK)
        status = t->world.rank == 0 ? ct_report_error(err->msg) : 1;
    ct_run_free(&t->run);
    if (t->world_up)
        ct_world_finalize(&t->world);
    return status;
}
