/* ctrain help [COMMAND] */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"

typedef struct help_topic {
    const char *command;
    const char *text;
} help_topic;

static const help_topic topics[] = {
    {"train",
     "usage: ctrain train JOB.yaml [--set PATH=VALUE]... [--run-dir DIR] [--init-from CKPT]\n"
     "       ctrain train [JOB.yaml] --resume RUN_DIR [--set PATH=VALUE]...\n"
     "\n"
     "Trains the job's model. Run it as is (one process), under mpirun -np N, or under srun.\n"
     "  --set PATH=VALUE   override a job field, e.g. --set train.epochs=3 --set optimizer.lr=0.1\n"
     "  --run-dir DIR      where to write job.yaml, metrics.jsonl and checkpoints/\n"
     "                     (default: <output.runs_dir>/<name>-<date>-<time>); a DIR with\n"
     "                     checkpoints of the same job continues them (as --resume DIR)\n"
     "  --resume RUN_DIR   continue from RUN_DIR/checkpoints/latest (job from RUN_DIR/job.yaml\n"
     "                     unless JOB.yaml is given, with --set overrides kept there for the\n"
     "                     next resume); bitwise identical at the same world size; the seed,\n"
     "                     batch size and training data must stay as they were\n"
     "  --init-from CKPT   start from the /model/<name> tensors of a checkpoint (a file, a run's\n"
     "                     `latest` pointer or its directory) or of a PyTorch state_dict\n"
     "                     exported to HDF5, with a fresh optimizer\n"
     "\n"
     "The run directory gets job.yaml, metrics.jsonl (epoch and step records), tensorboard/\n"
     "(TensorBoard events), checkpoints/ and the family's pictures.\n"
     "SIGTERM, SIGINT and SIGUSR1 stop the run at the next step with a checkpoint and exit\n"
     "status 75 (stopped, resumable: continue it with --resume); errors exit with 1. A rank\n"
     "that waits in a collective longer than train.collective_timeout_s (a rank dead, stopped\n"
     "or cut off) ends the job with status 69.\n"},
    {"eval",
     "usage: ctrain eval CKPT [--data FILE.h5] [--split NAME] [--json] [--confusion]\n"
     "                   [--confusion-png FILE.png]\n"
     "\n"
     "Evaluates a checkpoint (a file, a run's `latest` pointer or its directory) with the job\n"
     "stored in it, on the job's test split or --split, of the job's data file or --data.\n"
     "Every sample counts once at any rank count.\n"
     "  --confusion           a classifier's confusion matrix (rows: true class, columns:\n"
     "                        predicted, with the data file's class names) and per-class\n"
     "                        accuracy; in --json, \"classes\" and \"confusion\" (a list of rows)\n"
     "  --confusion-png FILE  the same matrix drawn as a heat map (shares of each true class)\n"
     "Prints: loss=... accuracy=... samples=... split=... (a regressor: mae=... instead of the\n"
     "accuracy; an autoencoder: no accuracy; a language model: bits_per_token=... perplexity=...,\n"
     "samples being the tokens predicted)\n"},
    {"reconstruct",
     "usage: ctrain reconstruct CKPT --out FILE.png [--n 16] [--noise] [--data FILE.h5]\n"
     "                          [--split NAME] [--job JOB.yaml]\n"
     "\n"
     "Draws the first n samples of the split (default: the job's test split) of an\n"
     "autoencoder's checkpoint above their reconstructions, and prints their mean\n"
     "reconstruction loss. Runs as one process.\n"
     "  --noise           also show the corrupted inputs a denoising model is given (the\n"
     "                    corruption its evaluation draws), between the two rows\n"
     "  --data, --split   another data file or split than the checkpoint's job names\n"
     "  --job JOB.yaml    the model of this job instead of the checkpoint's (a PyTorch\n"
     "                    state_dict exported to /model/<name> datasets has no job)\n"},
    {"sample",
     "usage: ctrain sample CKPT [--out FILE.png] [--n 64] [--seed S] [--class K] [--interpolate]\n"
     "                     [--out-h5 FILE.h5] [--data FILE.h5] [--split NAME] [--job JOB.yaml]\n"
     "\n"
     "Draws images with a GAN's generator (evaluation mode: batch norm uses its running\n"
     "statistics). Runs as one process.\n"
     "  --out FILE.png    a grid of n samples (up to 1024); a conditional GAN's has a column\n"
     "                    per class unless --class is given\n"
     "  --seed S          which z are drawn (default 1): the same seed draws the same images\n"
     "  --class K         only class K (a conditional GAN)\n"
     "  --interpolate     rows of 8 that walk linearly from one random z to another\n"
     "  --out-h5 FILE.h5  n generated images as /train/images float32 in [0, 1] (and, for a\n"
     "                    conditional GAN, /train/labels, every class in turn), with the data's\n"
     "                    evaluation split copied as /test: a dataset a classifier trains on\n"},
    {"fid",
     "usage: ctrain fid GEN_CKPT --features CLASSIFIER_CKPT [--n 10000] [--seed S]\n"
     "                  [--data FILE.h5] [--split NAME] [--job JOB.yaml]\n"
     "\n"
     "Scores a GAN's samples with a trained classifier (jobs/fashion_cnn.yaml is the\n"
     "reference): the Frechet distance between the features of the classifier's evaluation\n"
     "split and of n generated images, the features being the input of the classifier's\n"
     "last linear layer. Runs as one process. Prints\n"
     "  fid=...         lower is closer to the data (0: the same mean and covariance)\n"
     "  classes=K/C     classes the classifier gives at least 2% of the samples (mode collapse\n"
     "                  shows as a small K)\n"
     "  confidence=...  the mean of the classifier's top probability on the samples\n"},
    {"embed",
     "usage: ctrain embed CKPT --out FILE.h5 [--png FILE.png] [--data FILE.h5] [--split NAME]\n"
     "                    [--job JOB.yaml]\n"
     "\n"
     "Writes the latent codes of every sample of the split, /latents [N, latent_size]\n"
     "float32 and /labels [N] int32, computed from clean inputs. --png draws them in a\n"
     "plane coloured by class: the codes themselves when latent_size is 2, else their\n"
     "first two principal components. Runs as one process.\n"},
    {"search",
     "usage: ctrain search CKPT --query ROW --out FILE.png [--k 8] [--all] [--data FILE.h5]\n"
     "                     [--split NAME] [--job JOB.yaml]\n"
     "\n"
     "Image search in latent space: the k samples of the split whose codes are nearest\n"
     "(Euclidean) to the code of row ROW, drawn after it, framed green when of the\n"
     "query's class and red when not. Prints the query's same-class hit rate.\n"
     "  --all   also print the mean hit rate among k neighbours with every sample of the\n"
     "          split as the query (an exact N x N search: seconds for 10000 samples)\n"},
    {"play",
     "usage: ctrain play CKPT [--episodes 100] [--seed S] [--env NAME] [--returns]\n"
     "                   [--png FILE.png] [--every 10] [--job JOB.yaml]\n"
     "\n"
     "Runs the greedy policy (epsilon 0) of a DQN checkpoint (a file, a run's `latest`\n"
     "pointer or its directory) for the episodes 0 .. N-1 of seed S, the resets of the\n"
     "training's evaluation (default S: the job's seed, so that the first\n"
     "model.dqn.eval_episodes are those of test_mean_return). Runs as one process. Prints\n"
     "  mean_return=... std=... episodes=N env=NAME seed=S\n"
     "std being the population standard deviation of the returns.\n"
     "  --env NAME      another environment than the job's, with the same observation size\n"
     "                  and actions (CartPole-v1, Acrobot-v1)\n"
     "  --returns       also print each episode: episode=E return=R steps=T\n"
     "  --png FILE.png  draw episode 0 as frames, one every --every K steps and the last, in\n"
     "                  rows of 10 (CartPole: track, cart and pole; Acrobot: the two links and\n"
     "                  the line the tip must rise above)\n"
     "  --job JOB.yaml  the model of this job instead of the checkpoint's\n"},
    {"generate",
     "usage: ctrain generate CKPT [--prime TEXT] [--n 400] [--temperature 0.8] [--seed S]\n"
     "                            [--data FILE.h5] [--job JOB.yaml]\n"
     "\n"
     "Text from a language model checkpoint (model.family: language_model): runs the prime\n"
     "(default \"The \") through the network, then draws n tokens, each from\n"
     "softmax(logits / temperature) and fed back, and prints the prime and them. The same\n"
     "seed (default 1) gives the same text. Ids are decoded with the vocabulary and unit\n"
     "attributes of the job's data file (data.path, or --data), as `ctrain data import\n"
     "text` and `fortunes` write them. Runs as one process.\n"},
    {"plot",
     "usage: ctrain plot RUN_DIR... --out FILE.png [--metric NAME]... [--title TEXT]\n"
     "\n"
     "Draws the curves of the runs' metrics.jsonl files: one panel per metric against the\n"
     "training step, a line in its own colour per run (named by its directory). Epoch\n"
     "records are lines with dots; step records, where a run has them, a thin line (light\n"
     "under an epoch line); null values break the lines. Runs as one process, without\n"
     "mpirun.\n"
     "  --metric NAME   draw this metric (repeat for more); default: every metric of the\n"
     "                  epoch records but the bookkeeping (epoch, seconds, *_per_s)\n"
     "  --title TEXT    the picture's title (default: training curves of ...)\n"},
    {"forecast",
     "usage: ctrain forecast CKPT [--data FILE.h5] [--split NAME] [--period P] [--json]\n"
     "                            [--out FILE.png [--start ROW] [--days N]]\n"
     "\n"
     "Scores a regressor trained on windows of a series imported by `ctrain data import\n"
     "csv` on the evaluation split (every sample once, at any rank count): the mean\n"
     "absolute error in the series' units (the targets' mean and std attributes undone),\n"
     "over all steps ahead and at the first and last, beside two baselines on the same\n"
     "samples: persistence (the window's last value for every step) and seasonal naive\n"
     "(the value P steps, default 24, before each step ahead).\n"
     "  --out FILE.png  draw N days (default 7) of forecasts made a day apart from sample\n"
     "                  ROW (default 0) on, against the truth and the baselines\n"},
    {"data",
     "usage: ctrain data import fashion-mnist [--from DIR] --out FILE.h5\n"
     "       ctrain data import text FILE... --out FILE.h5 [--test-fraction 0.05] [--unit byte|char]\n"
     "       ctrain data import fortunes [--from DIR] --out FILE.h5 [--categories a,b,c]\n"
     "                                   [--max-length N] [--test-fraction 0.1] [--unit byte|char]\n"
     "       ctrain data import csv FILE --columns a[,b] --window N --horizon N --out FILE.h5\n"
     "                              [--test-fraction 0.2] [--target COL]\n"
     "       ctrain data inspect FILE.h5\n"
     "\n"
     "import writes a dataset in ctrain's HDF5 layout (README.md, \"Data: HDF5 layout\"):\n"
     "  fashion-mnist  the idx .gz files of Debian's dataset-fashion-mnist (default DIR:\n"
     "                 /usr/share/datasets/fashion-mnist)\n"
     "  text           token ids of the files' bytes or UTF-8 characters, the last\n"
     "                 --test-fraction of them the test stream\n"
     "  fortunes       Debian's fortunes (default DIR: /usr/share/games/fortunes; a file\n"
     "                 is a category): token streams, and one padded sample per fortune\n"
     "                 labelled with its category (cut to --max-length tokens), with\n"
     "                 its length and its count of every token id\n"
     "  csv            sliding windows of the columns and the next --horizon values of\n"
     "                 --target (default: the first column), split by time, normalised\n"
     "                 with the training rows' mean and std\n"
     "inspect prints a file's groups, datasets and attributes.\n"},
    {"job",
     "usage: ctrain job check JOB.yaml [--set PATH=VALUE]...\n"
     "\n"
     "Validates a job against jobs/job.proto and prints it resolved, defaults included.\n"},
};

static void overview(void)
{
    puts("usage: ctrain COMMAND [ARGS]\n"
         "\n"
         "commands:\n"
         "  train JOB.yaml        train a model (single process, mpirun or srun)\n"
         "  eval CKPT             evaluate a checkpoint\n"
         "  reconstruct CKPT      draw an autoencoder's reconstructions (PNG)\n"
         "  embed CKPT            write an autoencoder's latent codes (HDF5, PNG scatter)\n"
         "  search CKPT           nearest neighbours in an autoencoder's latent space\n"
         "  sample CKPT           draw a GAN's samples (PNG grid, HDF5 dataset)\n"
         "  fid GEN_CKPT          score a GAN's samples (FID, classes, confidence)\n"
         "  play CKPT             run a DQN's greedy policy: mean return, frames (PNG)\n"
         "  generate CKPT         text from a language model\n"
         "  forecast CKPT         a forecaster's error in the series' units against baselines,\n"
         "                        a week of its forecasts (PNG)\n"
         "  plot RUN_DIR...       draw runs' training curves from metrics.jsonl (PNG)\n"
         "  data import|inspect   import Fashion-MNIST, text, fortunes or a CSV series to HDF5,\n"
         "                        inspect a dataset file\n"
         "  job check JOB.yaml    validate a job and print it resolved\n"
         "  help [COMMAND]        this text, or a command's\n"
         "  --version             print the version\n");
}

int ct_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        overview();
        return 0;
    }
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
        if (strcmp(argv[1], topics[i].command) == 0) {
            fputs(topics[i].text, stdout);
            return 0;
        }
    }
    char msg[256];
    snprintf(msg, sizeof msg, "help: no command '%s' (commands: train, eval, reconstruct, embed, search, sample, fid, play, generate, forecast, plot, data, job, help)", argv[1]);
    return ct_report_error(msg);
}
