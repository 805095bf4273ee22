/* ctrain generate CKPT [--prime TEXT] [--n 400] [--temperature 0.8]
 * [--seed S] [--data FILE.h5] [--split NAME] [--job JOB.yaml]: text from a
 * trained language model. The prime runs through the network (in windows
 * of bptt tokens, carrying the state), then each of n tokens is drawn from
 * softmax(logits / temperature) and fed back. Token ids are decoded with
 * the `vocabulary` and `unit` attributes of the data file the checkpoint's
 * job names (data.path, or --data): /<test split>/<data.input>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/model_tool.h"
#include "datasets/h5util.h"
#include "datasets/vocab.h"
#include "engine/alloc.h"
#include "engine/rng.h"

#define GENERATE_STEP (-4) /* the step index of the draws: no training step is negative */
#define MAX_TOKENS 1000000

typedef struct generate_args {
    ct_restore_source src;
    const char *prime, *n_text, *seed_text, *temperature_text;
    int64_t n, seed;
    double temperature;
} generate_args;

typedef struct vocabulary {
    ct_text_unit unit;
    int32_t *units; /* [size]: each id's byte or code point, ascending */
    int64_t size;
} vocabulary;

static int parse_args(int argc, char **argv, generate_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->prime = "The ";
    a->n = 400;
    a->seed = 1;
    a->temperature = 0.8;
    ct_option options[] = {{"--prime", &a->prime, NULL},
                           {"--n", &a->n_text, NULL},
                           {"--seed", &a->seed_text, NULL},
                           {"--temperature", &a->temperature_text, NULL}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 4, err) != CT_OK ||
        ct_options_int("generate", "--n", a->n_text, 0, MAX_TOKENS, &a->n, err) != CT_OK ||
        ct_options_int("generate", "--seed", a->seed_text, 0, INT64_MAX, &a->seed, err) != CT_OK)
        return CT_ERR;
    if (a->temperature_text) {
        char *end;
        a->temperature = strtod(a->temperature_text, &end);
        if (*end || end == a->temperature_text || !(a->temperature > 0 && isfinite(a->temperature)))
            return ct_fail(err, "generate: --temperature: expected a number > 0, found '%s'", a->temperature_text);
    }
    if (!*a->prime)
        return ct_fail(err, "generate: --prime: expected at least one character to start from");
    return CT_OK;
}

/* The vocabulary attributes of dataset dpath of file path. */
static int read_vocabulary(vocabulary *v, const char *path, const char *dpath, int64_t vocab, ct_error *err)
{
    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    hid_t d = ct_h5_open_dataset(file, path, dpath, err);
    char *unit = NULL;
    int rc = d < 0 ? CT_ERR : CT_OK;
    if (rc == CT_OK && (!ct_h5_has_attr(d, "vocabulary") || !ct_h5_has_attr(d, "unit")))
        rc = ct_fail(err, "%s: %s has no vocabulary and unit attributes (as `ctrain data import text` writes "
                          "them): the ids cannot be decoded", path, dpath);
    if (rc == CT_OK && (v->size = ct_h5_attr_numel(d, "vocabulary", err)) < 0)
        rc = CT_ERR;
    if (rc == CT_OK && v->size != vocab)
        rc = ct_fail(err, "%s: %s: a vocabulary of %lld tokens, the model has %lld", path, dpath,
                     (long long)v->size, (long long)vocab);
    if (rc == CT_OK && ct_h5_attr_string(d, "unit", &unit, err) != CT_OK)
        rc = CT_ERR;
    if (rc == CT_OK) {
        v->unit = strcmp(unit, "char") == 0 ? CT_UNIT_CHAR : CT_UNIT_BYTE;
        v->units = CT_ALLOC_ARRAY(int32_t, (size_t)v->size + 1);
        hid_t attr = H5Aopen(d, "vocabulary", H5P_DEFAULT);
        if (attr < 0 || H5Aread(attr, H5T_NATIVE_INT32, v->units) < 0)
            rc = ct_fail(err, "%s: %s: cannot read the vocabulary attribute", path, dpath);
        if (attr >= 0)
            H5Aclose(attr);
    }
    ct_free(unit);
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(file);
    return rc;
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The prime as token ids [*n] (ct_malloc'ed). */
static int encode_prime(const vocabulary *v, const char *prime, float **ids, int64_t *n, ct_error *err)
{
    int32_t *units;
    if (ct_text_decode("--prime", prime, strlen(prime), v->unit, &units, n, err) != CT_OK)
        return ct_fail_context(err, "generate");
    *ids = CT_ALLOC_ARRAY(float, (size_t)*n);
    for (int64_t i = 0; i < *n; i++) {
        const int32_t *hit = bsearch(&units[i], v->units, (size_t)v->size, sizeof *units, cmp_int32);
        if (!hit) {
            int32_t u = units[i];
            ct_free(units);
            return ct_fail(err, "generate: --prime: %s U+%04X is not in the model's vocabulary",
                           v->unit == CT_UNIT_CHAR ? "the character" : "the byte", (unsigned)u);
        }
        (*ids)[i] = (float)(hit - v->units);
    }
    ct_free(units);
    return CT_OK;
}

static void put_unit(const vocabulary *v, int32_t u)
{
    if (v->unit == CT_UNIT_BYTE || u < 0x80) {
        putchar(u);
    } else if (u < 0x800) {
        putchar(0xC0 | (u >> 6));
        putchar(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
        putchar(0xE0 | (u >> 12));
        putchar(0x80 | ((u >> 6) & 0x3F));
        putchar(0x80 | (u & 0x3F));
    } else {
        putchar(0xF0 | (u >> 18));
        putchar(0x80 | ((u >> 12) & 0x3F));
        putchar(0x80 | ((u >> 6) & 0x3F));
        putchar(0x80 | (u & 0x3F));
    }
}

/* Draws from softmax(logits[V] / temperature). */
static int64_t draw(const float *logits, int64_t V, double temperature, double *p, ct_rng *rng)
{
    double top = logits[0], sum = 0;
    for (int64_t k = 1; k < V; k++)
        top = logits[k] > top ? logits[k] : top;
    for (int64_t k = 0; k < V; k++)
        sum += p[k] = exp(((double)logits[k] - top) / temperature);
    double u = (double)ct_rng_uniform(rng) * sum;
    for (int64_t k = 0; k < V; k++)
        if ((u -= p[k]) < 0)
            return k;
    return V - 1;
}

static int generate(ct_model_tool *t, const generate_args *a, ct_error *err)
{
    ct_lm *m = ct_lm_of(&t->run);
    const Ctrain__Data *d = t->run.job->data;
    char dpath[512];
    snprintf(dpath, sizeof dpath, "/%s/%s", d->test_split, d->input);
    vocabulary v = {0};
    float *ids = NULL;
    int64_t n_prime;
    if (read_vocabulary(&v, d->path, dpath, m->vocab, err) != CT_OK ||
        encode_prime(&v, a->prime, &ids, &n_prime, err) != CT_OK) {
        ct_free(v.units);
        return CT_ERR;
    }
    float *carry = CT_ALLOC_ARRAY(float, (size_t)m->state_size);
    double *p = CT_ALLOC_ARRAY(double, (size_t)m->logits);
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = t->run.job->seed};
    const float *logits = NULL;
    int64_t T = 0;
    for (int64_t at = 0; at < n_prime; at += T) {
        T = n_prime - at < m->bptt ? n_prime - at : m->bptt;
        logits = ct_lm_forward(m, ids + at, 1, T, carry, &pass);
    }
    fputs(a->prime, stdout);
    uint64_t salt = ct_salt("generate");
    for (int64_t i = 0; i < a->n; i++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, (uint64_t)a->seed, GENERATE_STEP, i, salt);
        float id = (float)draw(logits + (T - 1) * m->logits, m->logits, a->temperature, p, &rng);
        put_unit(&v, v.units[(int64_t)id]);
        T = 1;
        logits = ct_lm_forward(m, &id, 1, 1, carry, &pass);
    }
    putchar('\n');
    fflush(stdout);
    ct_free(p);
    ct_free(carry);
    ct_free(ids);
    ct_free(v.units);
    return CT_OK;
}

int ct_cmd_generate(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    generate_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "generate", &args.src, &ct_language_model_family, false, &err);
    if (rc == CT_OK)
        rc = generate(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
