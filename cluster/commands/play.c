/* ctrain play CKPT [--episodes 100] [--seed S] [--env NAME] [--png FILE.png]
 * [--every K] [--returns] [--job JOB.yaml]: runs the greedy policy of a
 * DQN checkpoint (a file, a run's `latest` pointer or its directory) for
 * some episodes and prints the mean and standard deviation of their
 * returns; --png draws the first episode as a strip of frames. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/model_tool.h"
#include "cluster/output/env_strip.h"
#include "engine/alloc.h"

#define EPISODES_MAX 1000000

typedef struct play_args {
    ct_restore_source src;
    const char *env, *png;
    const char *episodes_text, *seed_text, *every_text;
    bool returns;
    int64_t episodes, seed, every; /* seed -1: the job's */
} play_args;

static int parse_args(int argc, char **argv, play_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->episodes = 100;
    a->seed = -1;
    a->every = 10;
    const ct_option options[] = {
        {"--episodes", &a->episodes_text, NULL}, {"--seed", &a->seed_text, NULL}, {"--env", &a->env, NULL},
        {"--png", &a->png, NULL},  {"--every", &a->every_text, NULL}, {"--returns", NULL, &a->returns},
        {"--job", &a->src.job, NULL},
    };
    if (ct_options_parse(argc, argv, options, 7, &a->src.checkpoint, "checkpoint", err) != CT_OK)
        return CT_ERR;
    if (ct_options_int("play", "--episodes", a->episodes_text, 1, EPISODES_MAX, &a->episodes, err) != CT_OK ||
        ct_options_int("play", "--seed", a->seed_text, 0, INT64_MAX, &a->seed, err) != CT_OK ||
        ct_options_int("play", "--every", a->every_text, 1, 1000000, &a->every, err) != CT_OK)
        return CT_ERR;
    if (a->every_text && !a->png)
        return ct_fail(err, "play: --every sets the frames of --png FILE.png, which is not given");
    return CT_OK;
}

/* The environment to play: the job's, or --env's when it fits q. */
static int find_env(const ct_model_tool *t, const play_args *a, const ct_env_kind **env, ct_error *err)
{
    const ct_dqn *d = t->dqn;
    *env = d->env;
    if (!a->env)
        return CT_OK;
    *env = ct_env_find(a->env);
    if (!*env)
        return ct_fail(err, "play: --env: expected one of %s, found '%s'", ct_env_names(), a->env);
    if ((*env)->obs_size != d->obs_size || (*env)->num_actions != d->actions)
        return ct_fail(err, "play: --env %s: its observations have %d values and it has %d actions; the q network "
                            "of %s takes %lld values and gives %lld (it learnt %s)",
                       a->env, (*env)->obs_size, (*env)->num_actions, t->origin, (long long)d->obs_size,
                       (long long)d->actions, d->env->name);
    return CT_OK;
}

static int draw(const play_args *a, const ct_env_kind *env, const double *states, ct_dqn_episode first,
                uint64_t seed, ct_error *err)
{
    char title[256];
    snprintf(title, sizeof title, "%s, greedy policy, episode 0 of seed %llu: return %g in %lld steps", env->name,
             (unsigned long long)seed, first.ret, (long long)first.steps);
    if (ct_env_strip_write_png(a->png, env, states, first.steps, a->every, title, err) != CT_OK)
        return ct_fail_context(err, "play: --png");
    ct_env_strip_size size = ct_env_strip_layout(env, first.steps, a->every);
    printf("%s: %lld frames of episode 0 (%lld steps, return %g), every %lld steps, %dx%d pixels\n", a->png,
           (long long)size.frames, (long long)first.steps, first.ret, (long long)a->every, size.width, size.height);
    return CT_OK;
}

static int play(ct_model_tool *t, const play_args *a, ct_error *err)
{
    const ct_env_kind *env;
    if (!t->dqn)
        return ct_fail(err, "play: %s is not a DQN", t->origin); /* the family check comes first */
    if (find_env(t, a, &env, err) != CT_OK)
        return CT_ERR;
    uint64_t seed = a->seed >= 0 ? (uint64_t)a->seed : t->run.job->seed;
    double *states = a->png ? CT_ALLOC_ARRAY(double, (size_t)((env->max_steps + 1) * env->state_size)) : NULL;
    double *returns = CT_ALLOC_ARRAY(double, (size_t)a->episodes), mean = 0, var = 0;
    ct_dqn_episode first = {0};
    for (int64_t e = 0; e < a->episodes; e++) {
        ct_dqn_episode ep = ct_dqn_play(t->dqn, env, seed, e, e == 0 ? states : NULL);
        if (e == 0)
            first = ep;
        returns[e] = ep.ret;
        mean += ep.ret;
        if (a->returns)
            printf("episode=%lld return=%.17g steps=%lld\n", (long long)e, ep.ret, (long long)ep.steps);
    }
    mean /= (double)a->episodes;
    for (int64_t e = 0; e < a->episodes; e++)
        var += (returns[e] - mean) * (returns[e] - mean) / (double)a->episodes;
    ct_free(returns);
    printf("mean_return=%.6f std=%.6f episodes=%lld env=%s seed=%llu\n", mean, sqrt(var), (long long)a->episodes,
           env->name, (unsigned long long)seed);
    int rc = a->png ? draw(a, env, states, first, seed, err) : CT_OK;
    ct_free(states);
    return rc;
}

int ct_cmd_play(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    play_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "play", &args.src, &ct_dqn_family, false, &err);
    if (rc == CT_OK)
        rc = play(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
