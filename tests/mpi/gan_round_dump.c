/* What one GAN training round draws, for test_gan_parity.py to give the
 * same inputs to PyTorch: gan_round_dump JOB.yaml STEP N CLASSES DIM...
 * builds the job's GAN for samples of shape [DIM...] (CLASSES: the data's
 * number of classes) and prints, for global samples 0..N-1 of step STEP,
 * one line per sample and update:
 *   d|g INDEX LABEL z_0 z_1 ...
 * (the discriminator's update, then the generator's; LABEL -1 when the GAN
 * is not conditional; z without the one-hot class). */
#include <stdio.h>
#include <stdlib.h>

#include "cluster/families/gan.h"
#include "engine/alloc.h"

static void print_update(const ct_gan *g, char which, int64_t n, float *z, int32_t *labels)
{
    for (int64_t j = 0; j < n; j++) {
        printf("%c %lld %d", which, (long long)j, g->classes ? (int)labels[j] : -1);
        for (int64_t i = 0; i < g->latent_size; i++)
            printf(" %.9g", (double)z[j * ct_gan_g_in(g) + i]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: gan_round_dump JOB.yaml STEP N CLASSES DIM...\n");
        return 2;
    }
    ct_error err;
    ct_job *job = NULL;
    if (ct_job_load(argv[1], NULL, 0, &job, &err) != CT_OK) {
        fprintf(stderr, "gan_round_dump: %s\n", err.msg);
        return 1;
    }
    int64_t step = atoll(argv[2]), n = atoll(argv[3]), classes = atoll(argv[4]);
    ct_shape shape = {.ndim = argc - 5};
    for (int d = 0; d < shape.ndim; d++)
        shape.dim[d] = atoll(argv[5 + d]);
    ct_gan g;
    int rc = ct_gan_build(&g, job, shape, classes, n, &err);
    if (rc == CT_OK) {
        float *z = CT_ALLOC_ARRAY(float, (size_t)(n * ct_gan_g_in(&g)));
        int32_t *labels = CT_ALLOC_ARRAY(int32_t, (size_t)n);
        ct_gan_round_inputs(&g, z, labels, n, job->seed, step, 0, false);
        print_update(&g, 'd', n, z, labels);
        ct_gan_round_inputs(&g, z, labels, n, job->seed, step, 0, true);
        print_update(&g, 'g', n, z, labels);
        ct_free(labels);
        ct_free(z);
    } else {
        fprintf(stderr, "gan_round_dump: %s\n", err.msg);
    }
    ct_gan_free(&g);
    ct_job_free(job);
    return rc == CT_OK ? 0 : 1;
}
