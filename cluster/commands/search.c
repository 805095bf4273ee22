/* ctrain search CKPT.h5 --query ROW --out FILE.png [--k 8] [--all]
 * [--data FILE.h5] [--split NAME] [--job JOB.yaml]: image search in latent
 * space. The k samples of the split whose codes are nearest (Euclidean) to
 * the query's, in a row after it, each framed green when it has the query's
 * class and red when not; prints the query's same-class hit rate and, with
 * --all, the mean hit rate with every sample of the split as the query. */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/model_tool.h"
#include "cluster/commands/commands.h"
#include "cluster/analysis/neighbours.h"
#include "cluster/output/png.h"
#include "engine/alloc.h"

#define FRAME 3        /* pixels of the frame around each image */
#define CELL_MIN 84    /* narrowest cell: room for a class name */
#define GAP 8
#define TEXT_H 14

typedef struct search_args {
    ct_restore_source src;
    const char *out;
    const char *query_text, *k_text;
    bool all;
    int64_t query, k;
} search_args;

static int parse_args(int argc, char **argv, search_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->k = 8;
    a->query = -1;
    ct_option options[] = {{"--out", &a->out, NULL},
                           {"--query", &a->query_text, NULL},
                           {"--k", &a->k_text, NULL},
                           {"--all", NULL, &a->all}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 4, err) != CT_OK)
        return CT_ERR;
    if (!a->out || !a->query_text)
        return ct_fail(err, "search: --query ROW and --out FILE.png are required");
    if (ct_options_int("search", "--query", a->query_text, 0, INT64_MAX, &a->query, err) != CT_OK)
        return CT_ERR;
    return ct_options_int("search", "--k", a->k_text, 1, CT_NEIGHBOURS_MAX_K, &a->k, err);
}

/* The query and its neighbours side by side, with class names and distances. */
static int draw_row(ct_model_tool *t, const search_args *a, const int64_t *found, const float *dist, ct_error *err)
{
    const ct_shard *s = t->split;
    ct_image_shape image;
    if (ct_image_shape_of(&s->sample_shape, &image, err) != CT_OK)
        return CT_ERR;
    int scale = image.height < 64 ? 2 : 1;
    int tile_w = image.width * scale, tile_h = image.height * scale;
    int cell = tile_w + 2 * FRAME > CELL_MIN ? tile_w + 2 * FRAME : CELL_MIN;
    ct_canvas c;
    ct_canvas_init(&c, GAP + (int)(a->k + 1) * (cell + GAP) + GAP, GAP + TEXT_H + tile_h + 2 * FRAME + 3 * TEXT_H,
                   (ct_rgb){255, 255, 255});
    ct_rgb black = {0, 0, 0}, green = {44, 160, 44}, red = {214, 39, 40}, grey = {90, 90, 90};
    float *pixels = CT_ALLOC_ARRAY(float, (size_t)s->sample_size);
    for (int64_t i = 0; i <= a->k; i++) {
        int64_t row = i == 0 ? a->query : found[i - 1];
        int x = GAP + (int)i * (cell + GAP) + (i > 0 ? GAP : 0), y = GAP + TEXT_H;
        char head[32], name[32], buf[16];
        if (i == 0)
            snprintf(head, sizeof head, "query %lld", (long long)row);
        else
            snprintf(head, sizeof head, "%lld. row %lld", (long long)i, (long long)row);
        ct_canvas_text(&c, x, GAP, head, black, 1);
        ct_rgb frame = i == 0 ? grey : s->labels[row] == s->labels[a->query] ? green : red;
        ct_canvas_fill(&c, x, y, tile_w + 2 * FRAME, tile_h + 2 * FRAME, frame);
        ct_shard_rows_float(s, row, 1, pixels);
        ct_canvas_image(&c, x + FRAME, y + FRAME, pixels, &image, scale);
        snprintf(name, sizeof name, "%.14s", ct_model_tool_class_name(t, s->labels[row], buf, sizeof buf));
        ct_canvas_text(&c, x, y + tile_h + 2 * FRAME + 4, name, black, 1);
        if (i > 0) {
            snprintf(name, sizeof name, "d = %.3g", dist[i - 1]);
            ct_canvas_text(&c, x, y + tile_h + 2 * FRAME + 4 + TEXT_H, name, grey, 1);
        }
    }
    ct_free(pixels);
    int rc = ct_canvas_write_png(&c, a->out, err);
    ct_canvas_free(&c);
    return rc;
}

static int search(ct_model_tool *t, const search_args *a, ct_error *err)
{
    const ct_shard *s = t->split;
    const char *split = t->run.job->data->test_split;
    if (a->query >= s->nrows)
        return ct_fail(err, "search: --query %lld: /%s holds rows 0 to %lld", (long long)a->query, split,
                       (long long)s->nrows - 1);
    if (a->k >= s->nrows)
        return ct_fail(err, "search: --k %lld: /%s holds only %lld rows", (long long)a->k, split,
                       (long long)s->nrows);
    float *codes = ct_model_tool_codes(t);
    ct_neighbours nb;
    ct_neighbours_init(&nb, codes, s->nrows, t->ae->latent_size);
    int64_t *found = CT_ALLOC_ARRAY(int64_t, (size_t)a->k);
    float *dist = CT_ALLOC_ARRAY(float, (size_t)a->k);
    ct_neighbours_find(&nb, a->query, 1, (int)a->k, found, dist);
    int64_t hits = 0;
    char buf[16], buf2[16];
    for (int64_t i = 0; i < a->k; i++)
        hits += s->labels[found[i]] == s->labels[a->query];
    printf("query %lld of /%s (%s): %lld of %lld nearest neighbours of the same class, hit rate %.3f\n",
           (long long)a->query, split, ct_model_tool_class_name(t, s->labels[a->query], buf, sizeof buf),
           (long long)hits, (long long)a->k, (double)hits / (double)a->k);
    for (int64_t i = 0; i < a->k; i++)
        printf("  %2lld. row %lld (%s), distance %.4g\n", (long long)i + 1, (long long)found[i],
               ct_model_tool_class_name(t, s->labels[found[i]], buf2, sizeof buf2), dist[i]);
    if (a->all)
        printf("mean hit rate among %lld neighbours over all %lld rows of /%s: %.4f\n", (long long)a->k,
               (long long)s->nrows, split, ct_neighbours_hit_rate(&nb, s->labels, (int)a->k));
    int rc = draw_row(t, a, found, dist, err);
    if (rc == CT_OK)
        printf("%s: the query and its %lld nearest neighbours\n", a->out, (long long)a->k);
    ct_free(dist);
    ct_free(found);
    ct_neighbours_free(&nb);
    ct_free(codes);
    return rc == CT_OK ? CT_OK : ct_fail_context(err, "search");
}

int ct_cmd_search(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    search_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "search", &args.src, &ct_autoencoder_family, true, &err);
    if (rc == CT_OK)
        rc = search(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
