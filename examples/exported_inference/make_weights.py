#!/usr/bin/python3
"""Make weights.npz, the example's committed stand-in for a trained Keras layer. Run once,
with Debian's NumPy (sudo apt-get install -y python3-numpy; /usr/bin/python3 make_weights.py).

With TensorFlow the same file comes from a real model:
    bn = model.get_layer("bn1")                      # BatchNormalization(axis=-1), NHWC conv net
    np.savez("weights.npz", *bn.get_weights())       # gamma, beta, moving_mean, moving_variance
"""
import numpy as np

rng = np.random.default_rng(7)
c = 8
gamma = rng.normal(1.0, 0.25, c).astype(np.float32)
beta = rng.normal(0.0, 0.2, c).astype(np.float32)
moving_mean = rng.normal(0.5, 1.5, c).astype(np.float32)
moving_variance = rng.uniform(0.1, 3.0, c).astype(np.float32)
np.savez("weights.npz", gamma, beta, moving_mean, moving_variance)
