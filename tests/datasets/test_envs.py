"""CartPole-v1 and Acrobot-v1 against a transcription of Gymnasium's
equations (gymnasium/envs/classic_control/cartpole.py and acrobot.py, which
Debian does not package), step for step over thousands of random actions:
the float64 state bit for bit, the float32 observation, the reward, the
termination, and truncation at 500 steps.
usage: test_envs.py ENV_TRAJECTORY"""
import math
import struct
import subprocess
import sys

import numpy as np


def cartpole_step(state, action):
    """CartPole-v1's step, as Gymnasium writes it (euler)."""
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    x, x_dot, theta, theta_dot = state
    force = force_mag if action == 1 else -force_mag
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + polemass_length * np.square(theta_dot) * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (
        length * (4.0 / 3.0 - masspole * np.square(costheta) / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
    terminated = bool(x < -x_threshold or x > x_threshold or theta < -theta_threshold_radians
                      or theta > theta_threshold_radians)
    return state, 1.0, terminated, np.array(state, dtype=np.float32)


def acrobot_dsdt(s_augmented):
    m1 = m2 = 1.0
    l1 = 1.0
    lc1 = lc2 = 0.5
    I1 = I2 = 1.0
    g = 9.8
    a = s_augmented[-1]
    s = s_augmented[:-1]
    theta1, theta2, dtheta1, dtheta2 = s[0], s[1], s[2], s[3]
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(theta2)) + I2
    phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - math.pi / 2.0)
    phi1 = (-m2 * l1 * lc2 * dtheta2**2 * math.sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1
            * math.sin(theta2) + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - math.pi / 2) + phi2)
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * math.sin(theta2) - phi2) / (
        m2 * lc2**2 + I2 - d2**2 / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0


def rk4(derivs, y0, t):
    yout = np.zeros((len(t), len(y0)), np.float64)
    yout[0] = y0
    for i in np.arange(len(t) - 1):
        dt = t[i + 1] - t[i]
        dt2 = dt / 2.0
        y0 = yout[i]
        k1 = np.asarray(derivs(y0))
        k2 = np.asarray(derivs(y0 + dt2 * k1))
        k3 = np.asarray(derivs(y0 + dt2 * k2))
        k4 = np.asarray(derivs(y0 + dt * k3))
        yout[i + 1] = y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return yout[-1][:4]


def wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


def acrobot_step(state, action):
    """Acrobot-v1's step, as Gymnasium writes it (book dynamics, no torque noise)."""
    torque = [-1.0, 0.0, +1][action]
    ns = rk4(acrobot_dsdt, np.append(state, torque), [0, 0.2])
    ns[0] = wrap(ns[0], -math.pi, math.pi)
    ns[1] = wrap(ns[1], -math.pi, math.pi)
    ns[2] = min(max(ns[2], -4 * math.pi), 4 * math.pi)
    ns[3] = min(max(ns[3], -9 * math.pi), 9 * math.pi)
    terminated = bool(-math.cos(ns[0]) - math.cos(ns[1] + ns[0]) > 1.0)
    obs = np.array([math.cos(ns[0]), math.sin(ns[0]), math.cos(ns[1]), math.sin(ns[1]), ns[2], ns[3]],
                   dtype=np.float32)
    return ns, -1.0 if not terminated else 0.0, terminated, obs


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def check(env, step, steps, reset_range, reset_float32):
    out = subprocess.run([sys.argv[1], env, "7", str(steps)], capture_output=True, text=True, check=True).stdout
    state, t, episodes, terminations, truncations, worst = None, 0, 0, 0, 0, 0
    for n, line in enumerate(out.splitlines()):
        words = line.split()
        if words[0] == "reset":
            state = np.array([float.fromhex(w) for w in words[1:]], dtype=np.float64)
            assert all(-reset_range <= v < reset_range for v in state), f"{env}: reset state {state}"
            if reset_float32:
                assert all(f32(v) == v for v in state), f"{env}: the reset state is not float32: {state}"
            t, episodes = 0, episodes + 1
            continue
        action, reward, terminated, truncated = int(words[1]), float.fromhex(words[2]), words[3] == "1", words[4] == "1"
        i = words.index("state")
        j = words.index("obs")
        got_state = [float.fromhex(w) for w in words[i + 1:j]]
        got_obs = [float.fromhex(w) for w in words[j + 1:]]
        state, want_reward, want_terminated, want_obs = step(state, action)
        t += 1
        where = f"{env} line {n + 1} (step {t} of episode {episodes})"
        if list(state) != got_state:
            worst = max(abs(a - b) for a, b in zip(state, got_state))
            raise AssertionError(f"{where}: state {got_state}, Gymnasium's {list(state)} (max diff {worst:.3g})")
        assert got_obs == [float(v) for v in want_obs], f"{where}: observation {got_obs} vs {list(want_obs)}"
        assert reward == want_reward and terminated == want_terminated, \
            f"{where}: reward {reward} terminated {terminated}, Gymnasium's {want_reward} {want_terminated}"
        assert truncated == (t == 500 and not want_terminated), f"{where}: truncated {truncated} at step {t}"
        terminations += terminated
        truncations += truncated
    print(f"{env}: {steps} steps in {episodes} episodes ({terminations} terminated, {truncations} truncated at "
          f"500): every float64 state, observation, reward and end equal to Gymnasium's equations")
    return terminations, truncations


term, _ = check("CartPole-v1", cartpole_step, 5000, 0.05, False)
assert term > 100, "CartPole: random actions should end many episodes"
term, trunc = check("Acrobot-v1", acrobot_step, 5000, 0.1, True)
assert trunc >= 1, "Acrobot: expected random actions to reach the 500-step limit"
print("PASS")
