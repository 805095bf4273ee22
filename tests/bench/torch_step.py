"""The timing loop the PyTorch twins share, in bench_step.c's format: a
training step (zero_grad, forward, loss, backward, step), timed over `reps`
runs of `steps` steps after `warmup` steps, one thread. With rows > 1 (a
loss over every step of x's sequences) the rate is in tokens. time_fn times
any step function that returns its loss."""
import time


def time_fn(label, step, batch, steps, warmup, reps=3, rows=1):
    for _ in range(warmup):
        step()
    best, total = float("inf"), 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss.item()
        dt = time.perf_counter() - t0
        best, total = min(best, dt), total + dt
    count, unit = batch * rows, "tokens" if rows > 1 else "samples"
    print("torch   %s batch %d: %d steps, best %.3f ms/step, %.0f %s/s (mean %.0f %s/s), final loss %.4f"
          % (label, batch, steps, 1e3 * best / steps, count * steps / best, unit, count * steps * reps / total, unit,
             loss.item()))


def time_steps(label, model, opt, loss_fn, x, y, steps, warmup, reps=3, rows=1):
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    time_fn(label, step, x.shape[0], steps, warmup, reps, rows)
