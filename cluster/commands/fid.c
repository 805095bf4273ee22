/* ctrain fid GEN_CKPT --features CLASSIFIER_CKPT [--n 10000] [--seed S]
 * [--data FILE.h5] [--split NAME] [--job JOB.yaml]: how far a GAN's
 * samples are from the data, as a trained classifier sees them. Features
 * are the input of the classifier's last linear layer (for
 * jobs/fashion_cnn.yaml: the 128 ReLU units before the 10 logits), in
 * evaluation mode; the reference set is the classifier's evaluation split.
 * Prints fid=... (cluster/analysis/fid.h), classes=... (classes the
 * classifier gives at least 2% of the samples: mode collapse shows here)
 * and confidence=... (the mean of its top probability). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster/analysis/fid.h"
#include "cluster/commands/commands.h"
#include "cluster/commands/model_tool.h"
#include "engine/alloc.h"

#define FID_STEP (-4)           /* the step index of the draws: no training step is negative */
#define CLASS_SHARE_MIN 0.02    /* a class counts when it gets this share of the samples */

typedef struct fid_args {
    ct_restore_source src;
    const char *features, *n_text, *seed_text;
    int64_t n, seed;
} fid_args;

static int parse_args(int argc, char **argv, fid_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->n = 10000;
    a->seed = 1;
    ct_option options[] = {{"--features", &a->features, NULL}, {"--n", &a->n_text, NULL},
                           {"--seed", &a->seed_text, NULL}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 3, err) != CT_OK)
        return CT_ERR;
    if (!a->features)
        return ct_fail(err, "fid: --features CLASSIFIER_CKPT is required (a classifier trained on the data, "
                            "e.g. by jobs/fashion_cnn.yaml)");
    if (ct_options_int("fid", "--n", a->n_text, 2, 10000000, &a->n, err) != CT_OK)
        return CT_ERR;
    return ct_options_int("fid", "--seed", a->seed_text, 0, INT64_MAX, &a->seed, err);
}

/* The classifier as a feature extractor. */
typedef struct features {
    ct_net *net;
    int layer;           /* the features are the output of this layer (-1: the input) */
    int64_t d, classes;
    bool probabilities;  /* the network ends in softmax */
    float mean, std;     /* its data.normalize, applied to generated pictures */
} features;

static int features_init(features *f, ct_model_tool *c, ct_error *err)
{
    f->net = c->classifier;
    int last = -1;
    for (int i = 0; i < f->net->nlayers; i++)
        if (strcmp(f->net->layers[i]->ops->type, "linear") == 0)
            last = i;
    if (last < 0)
        return ct_fail(err, "fid: --features %s: the classifier has no linear layer whose input could be the "
                            "features", c->origin);
    f->layer = last - 1;
    f->d = ct_shape_numel(last > 0 ? &f->net->layers[last - 1]->out : &f->net->in_shape);
    f->classes = ct_shape_numel(ct_net_out_shape(f->net));
    f->probabilities = strcmp(f->net->layers[f->net->nlayers - 1]->ops->type, "softmax") == 0;
    const Ctrain__Normalize *nz = c->run.job->data->normalize;
    f->mean = nz ? nz->mean : 0.0f;
    f->std = nz ? nz->std : 1.0f;
    return CT_OK;
}

/* Runs the classifier on x[n] and adds the features to stats; with
 * counts, also counts each sample's top class and adds its probability to
 * *confidence. */
static void add_features(features *f, const float *x, int64_t n, ct_fid_stats *stats, int64_t *counts,
                         double *confidence)
{
    ct_pass pass = {.mode = CT_MODE_EVAL};
    const float *out = ct_net_forward(f->net, x, n, &pass);
    ct_fid_stats_add(stats, f->layer < 0 ? x : f->net->acts[f->layer], n);
    for (int64_t j = 0; j < n && counts; j++) {
        const float *row = out + j * f->classes;
        int64_t top = 0;
        for (int64_t k = 1; k < f->classes; k++)
            if (row[k] > row[top])
                top = k;
        double p = 1.0;
        if (!f->probabilities) { /* softmax's largest value: 1 / sum exp(row - max) */
            double sum = 0;
            for (int64_t k = 0; k < f->classes; k++)
                sum += exp((double)row[k] - (double)row[top]);
            p = 1.0 / sum;
        } else {
            p = row[top];
        }
        counts[top]++;
        *confidence += p;
    }
}

static int check_shapes(const ct_model_tool *gen, const ct_model_tool *cls, ct_error *err)
{
    const ct_shape *g = &gen->gan->sample_shape, *c = &cls->classifier->in_shape;
    char a[64], b[64];
    if (ct_shape_same_sample(g, c))
        return CT_OK;
    return ct_fail(err, "fid: the classifier of %s takes samples of shape %s; the generator of %s makes %s",
                   cls->origin, ct_shape_str(c, a, sizeof a), gen->origin, ct_shape_str(g, b, sizeof b));
}

static int fid(ct_model_tool *gen, ct_model_tool *cls, const fid_args *a, ct_error *err)
{
    features f = {0};
    if (check_shapes(gen, cls, err) != CT_OK || features_init(&f, cls, err) != CT_OK)
        return CT_ERR;
    ct_gan *g = gen->gan;
    const ct_shard *ref = cls->split;
    int64_t chunk = g->generator.max_batch < f.net->max_batch ? g->generator.max_batch : f.net->max_batch;
    ct_fid_stats real = {0}, fake = {0};
    if (ct_fid_stats_init(&real, f.d, err) != CT_OK || ct_fid_stats_init(&fake, f.d, err) != CT_OK) {
        ct_fid_stats_free(&real);
        ct_fid_stats_free(&fake);
        return ct_fail_context(err, "fid");
    }
    float *x = CT_ALLOC_ARRAY(float, (size_t)(chunk * g->sample_size));
    float *z = CT_ALLOC_ARRAY(float, (size_t)(chunk * ct_gan_g_in(g)));
    int32_t *labels = CT_ALLOC_ARRAY(int32_t, (size_t)chunk);
    int64_t *counts = CT_ALLOC_ARRAY(int64_t, (size_t)f.classes);
    double confidence = 0;
    for (int64_t row = 0; row < ref->nrows; row += chunk) {
        int64_t m = ref->nrows - row < chunk ? ref->nrows - row : chunk;
        ct_shard_rows_float(ref, row, m, x);
        add_features(&f, x, m, &real, NULL, NULL);
    }
    uint64_t salt = ct_salt("fid.z");
    for (int64_t first = 0; first < a->n; first += chunk) {
        int64_t m = a->n - first < chunk ? a->n - first : chunk;
        ct_gan_draw(g, x, labels, z, first, m, -1, (uint64_t)a->seed, FID_STEP, salt);
        for (int64_t i = 0; i < m * g->sample_size; i++)
            x[i] = (x[i] - f.mean) / f.std;
        add_features(&f, x, m, &fake, counts, &confidence);
    }
    double distance = 0;
    int rc = ct_fid(&real, &fake, &distance, err);
    if (rc == CT_OK) {
        int classes = 0;
        for (int64_t k = 0; k < f.classes; k++)
            classes += (double)counts[k] >= CLASS_SHARE_MIN * (double)a->n;
        printf("fid=%.4f classes=%d/%lld confidence=%.4f (%lld generated vs %lld samples of /%s; %lld features: "
               "the input of layer %d)\n",
               distance, classes, (long long)f.classes, confidence / (double)a->n, (long long)a->n,
               (long long)ref->nrows, cls->run.job->data->test_split, (long long)f.d, f.layer + 1);
    } else {
        ct_fail_context(err, "fid");
    }
    ct_free(counts);
    ct_free(labels);
    ct_free(z);
    ct_free(x);
    ct_fid_stats_free(&real);
    ct_fid_stats_free(&fake);
    return rc;
}

int ct_cmd_fid(int argc, char **argv)
{
    ct_model_tool gen = {0}, cls = {0};
    ct_error err;
    fid_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&gen, "fid", &args.src, &ct_gan_family, false, &err);
    if (rc == CT_OK) {
        ct_restore_source src = {.checkpoint = args.features, .data = args.src.data, .split = args.src.split};
        rc = ct_model_tool_open_also(&cls, &gen, &src, &ct_classifier_family, false, &err);
    }
    if (rc == CT_OK)
        rc = fid(&gen, &cls, &args, &err);
    ct_model_tool_close(&cls, CT_OK, &err);
    return ct_model_tool_close(&gen, rc, &err);
}
