#include "cluster/run/run.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datasets/durable_file.h"
#include "engine/alloc.h"

void ct_run_init(ct_run *run, ct_world *world)
{
    memset(run, 0, sizeof *run);
    run->world = world;
    run->run_dir_lock = -1;
    ct_metrics_init(&run->metrics);
}

void ct_run_free(ct_run *run)
{
    if (run->family)
        run->family->teardown(run);
    for (int i = 0; i < run->model.nnets; i++)
        if (run->model.optims[i]) {
            ct_optim_free(run->model.optims[i]);
            ct_free(run->model.optims[i]);
        }
    ct_source_free(&run->source);
    if (run->tb_open)
        ct_tb_close(&run->tb);
    if (run->run_dir_lock >= 0)
        close(run->run_dir_lock);
    ct_free(run->metrics_jsonl);
    ct_free(run->job_yaml);
    if (run->job)
        ct_job_free(run->job);
    ct_run_init(run, run->world);
}

int ct_run_picture(ct_run *run, const char *file, const char *tag, const ct_canvas *picture, ct_error *err)
{
    char path[4300], dir[4300];
    snprintf(path, sizeof path, "%s/%s", run->run_dir, file);
    snprintf(dir, sizeof dir, "%s", path);
    unsigned char *png;
    size_t size;
    if (ct_mkdirs(dirname(dir), err) != CT_OK || ct_canvas_encode_png(picture, path, &png, &size, err) != CT_OK)
        return CT_ERR;
    int rc = ct_file_write_atomic(path, png, size, err);
    if (rc == CT_OK && run->tb_open)
        rc = ct_tb_image(&run->tb, tag, run->state.step, png, size, picture->height, picture->width, 3, err);
    if (rc == CT_OK && run->tb_open)
        rc = ct_tb_flush(&run->tb, err);
    ct_free(png);
    return rc;
}
