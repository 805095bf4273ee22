/* DQN update throughput on the workload of torch_dqn_step.py: q and its
 * target 4-128-128-2 (ReLU), a batch of 128 transitions drawn from a
 * replay memory of 10,000 random CartPole-sized ones, Double DQN targets
 * (q's argmax, the target's value, no gradient), Huber loss on the taken
 * actions, backward, gradient clipping at norm 10, Adam; one thread. The
 * update is the DQN family's own (ct_replay_sample, ct_dqn_td_backward).
 *
 *     OPENBLAS_NUM_THREADS=1 build/tests/bench/bench_dqn_step [steps]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench_step.h"
#include "cluster/families/dqn.h"
#include "cluster/run/model.h"
#include "engine/clip.h"

enum { BATCH = 128, REPLAY = 10000 };

static const char JOB[] = "name: bench_dqn\n"
                          "model:\n"
                          "  family: dqn\n"
                          "  dqn: {env: CartPole-v1, gamma: 0.99, double_dqn: true, loss: huber}\n"
                          "  networks:\n"
                          "    - name: q\n"
                          "      layers:\n"
                          "        - linear: {out_features: 128}\n"
                          "        - relu\n"
                          "        - linear: {out_features: 128}\n"
                          "        - relu\n"
                          "        - linear: {out_features: 2}\n"
                          "optimizer: {type: adam, lr: 0.0023, clip_grad_norm: 10}\n"
                          "train: {batch_size: 128}\n";

typedef struct bench_dqn {
    ct_dqn d;
    ct_optim opt;
    ct_replay replay;
    ct_dqn_batch batch;
    int64_t update;
} bench_dqn;

static void fill_replay(ct_replay *r, int64_t obs_size)
{
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    float obs[CT_ENV_OBS_MAX], next[CT_ENV_OBS_MAX];
    for (int64_t i = 0; i < REPLAY; i++) {
        for (int64_t k = 0; k < obs_size; k++) {
            obs[k] = ct_rng_normal(&rng);
            next[k] = ct_rng_normal(&rng);
        }
        ct_replay_add(r, obs, (int32_t)ct_rng_below(&rng, 2), 1.0f, next, i % 20 == 0 ? 0.0f : 0.99f);
    }
}

static double update(void *ctx)
{
    bench_dqn *b = ctx;
    ct_replay_sample(&b->replay, &b->batch, 0, b->update++, 0, 1);
    ct_net_zero_grads(&b->d.q);
    double q_sum, loss = ct_dqn_td_backward(&b->d, &b->batch, BATCH, &q_sum);
    ct_clip_grad_norm(b->d.q.grads, b->d.q.nparams, 10.0f);
    ct_optim_step(&b->opt, b->d.q.params, b->d.q.grads);
    return loss;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 2000;
    if (steps < 1)
        steps = 1;
    openblas_set_num_threads(1); /* as torch.set_num_threads(1) in the twin */
    ct_error err;
    ct_job *job = NULL;
    bench_dqn b;
    memset(&b, 0, sizeof b);
    ct_optim_config cfg;
    int rc = ct_job_load_text(JOB, sizeof JOB - 1, "bench_dqn_step", &job, &err);
    if (rc == CT_OK) {
        ct_model_optim_config(job->optimizer, &cfg);
        rc = ct_dqn_build(&b.d, job, BATCH, &err);
    }
    if (rc == CT_OK)
        rc = ct_optim_init(&b.opt, &cfg, b.d.q.nparams, &err);
    if (rc != CT_OK) {
        fprintf(stderr, "bench_dqn_step: %s\n", err.msg);
        return 1;
    }
    ct_replay_init(&b.replay, REPLAY, b.d.obs_size, NULL);
    fill_replay(&b.replay, b.d.obs_size);
    ct_dqn_batch_alloc(&b.batch, BATCH, b.d.obs_size);
    ct_bench_time("DQN update 4-128-128-2 (double DQN, Huber, Adam)", update, &b, BATCH, BATCH, steps, 200, 3);
    ct_dqn_batch_free(&b.batch);
    ct_replay_free(&b.replay);
    ct_optim_free(&b.opt);
    ct_dqn_free(&b.d);
    ct_job_free(job);
    return 0;
}
