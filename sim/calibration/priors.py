"""Prior distributions and the SMC perturbation kernel, in a working space ``z``.

Each parameter lives in ``z``: the value itself (uniform, normal) or its logarithm
(loguniform), bounded by ``[zlow, zhigh]``. Densities are taken in ``z``, so the ratio
prior / proposal needs no Jacobian (both are densities over the same ``z``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.calibration.spec import Prior


@dataclass(frozen=True)
class PriorSet:
    """The priors of a calibration, in parameter order."""

    names: tuple[str, ...]
    priors: tuple[Prior, ...]

    @classmethod
    def of(cls, priors: Mapping[str, Prior]) -> PriorSet:
        return cls(tuple(priors), tuple(priors.values()))

    @property
    def zlow(self) -> np.ndarray:
        return np.array([_to_z(p, p.low) for p in self.priors])

    @property
    def zhigh(self) -> np.ndarray:
        return np.array([_to_z(p, p.high) for p in self.priors])

    def to_z(self, theta: np.ndarray) -> np.ndarray:
        """Parameter values ``(n, d)`` to working space."""
        cols = [_to_z(p, theta[:, j]) for j, p in enumerate(self.priors)]
        return np.column_stack(cols) if cols else theta

    def from_z(self, z: np.ndarray) -> np.ndarray:
        """Parameter values of working-space rows (integer priors rounded)."""
        cols = [np.exp(z[:, j]) if p.dist == "loguniform" else z[:, j] for j, p in
                enumerate(self.priors)]  # fmt: skip
        cols = [np.rint(c) if p.integer else c for c, p in zip(cols, self.priors, strict=True)]
        return np.column_stack(cols)

    def sample_z(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from the prior, in working space."""
        cols = []
        for p, lo, hi in zip(self.priors, self.zlow, self.zhigh, strict=True):
            if p.dist == "normal":
                a, b = (lo - p.mean) / p.sd, (hi - p.mean) / p.sd
                cols.append(stats.truncnorm.rvs(a, b, p.mean, p.sd, size=n, random_state=rng))
            else:
                cols.append(rng.uniform(lo, hi, size=n))
        return np.column_stack(cols)

    def logpdf_z(self, z: np.ndarray) -> np.ndarray:
        """Log prior density of each row of ``z`` (-inf outside the bounds)."""
        total = np.zeros(len(z))
        for j, (p, lo, hi) in enumerate(zip(self.priors, self.zlow, self.zhigh, strict=True)):
            x = z[:, j]
            if p.dist == "normal":
                a, b = (lo - p.mean) / p.sd, (hi - p.mean) / p.sd
                total += stats.truncnorm.logpdf(x, a, b, p.mean, p.sd)
            else:
                inside = (x >= lo) & (x <= hi)
                total += np.where(inside, -np.log(hi - lo), -np.inf)
        return total


def _to_z(prior: Prior, value):
    return np.log(value) if prior.dist == "loguniform" else value


@dataclass(frozen=True)
class Kernel:
    """Mixture of per-dimension truncated normals around the previous population
    (Beaumont et al. 2009: variance twice the weighted population variance)."""

    centres: np.ndarray  # (m, d) previous particles in z
    weights: np.ndarray  # (m,) normalised
    scale: np.ndarray  # (d,) standard deviations
    zlow: np.ndarray
    zhigh: np.ndarray

    @classmethod
    def around(cls, z: np.ndarray, weights: np.ndarray, priors: PriorSet) -> Kernel:
        keep = weights > 0
        z, w = z[keep], weights[keep] / weights[keep].sum()
        mean = w @ z
        var = w @ (z - mean) ** 2
        width = priors.zhigh - priors.zlow
        scale = np.sqrt(np.maximum(2 * var, (1e-3 * width) ** 2))
        return cls(z, w, scale, priors.zlow, priors.zhigh)

    def _bounds(self, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self.zlow - centres) / self.scale, (self.zhigh - centres) / self.scale

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws: pick a particle by weight, perturb each dimension within bounds."""
        idx = rng.choice(len(self.weights), size=n, p=self.weights)
        centres = self.centres[idx]
        a, b = self._bounds(centres)
        return stats.truncnorm.rvs(a, b, centres, self.scale, random_state=rng)

    def logpdf(self, z: np.ndarray) -> np.ndarray:
        """Log density of the mixture at each row of ``z`` (shape ``(n,)``)."""
        a, b = self._bounds(self.centres)  # (m, d)
        dens = stats.truncnorm.logpdf(
            z[:, None, :], a[None], b[None], self.centres[None], self.scale
        ).sum(axis=-1)  # (n, m)
        return _logsumexp(dens + np.log(self.weights)[None], axis=1)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return (top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


@dataclass(frozen=True)
class MvnKernel:
    """Mixture of full-covariance normals around the previous population (as pyabc's
    ``MultivariateNormalTransition``; covariance twice the weighted population covariance,
    Filippi et al. 2013), restricted to the prior's box by rejection. The restriction
    divides the density by one constant (the mixture's mass inside the box), the same for
    every proposal of a generation, so it cancels in the normalised weights."""

    centres: np.ndarray  # (m, d)
    weights: np.ndarray  # (m,)
    chol: np.ndarray  # (d, d) lower Cholesky factor of the covariance
    zlow: np.ndarray
    zhigh: np.ndarray

    @classmethod
    def around(cls, z: np.ndarray, weights: np.ndarray, priors: PriorSet) -> MvnKernel:
        keep = weights > 0
        z, w = z[keep], weights[keep] / weights[keep].sum()
        mean = w @ z
        cov = 2 * ((z - mean).T * w) @ (z - mean)
        width = priors.zhigh - priors.zlow
        cov = cov + np.diag((1e-3 * width) ** 2)  # a floor, as the diagonal kernel's
        return cls(z, w, np.linalg.cholesky(cov), priors.zlow, priors.zhigh)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws inside the box (rejection; at most 1000 rounds)."""
        out: list[np.ndarray] = []
        got = 0
        for _ in range(1000):
            idx = rng.choice(len(self.weights), size=2 * n, p=self.weights)
            z = self.centres[idx] + rng.standard_normal((2 * n, len(self.zlow))) @ self.chol.T
            z = z[((z >= self.zlow) & (z <= self.zhigh)).all(axis=1)]
            out.append(z)
            got += len(z)
            if got >= n:
                break
        return np.vstack(out)[:n]

    def logpdf(self, z: np.ndarray) -> np.ndarray:
        """Log density of the (unrestricted) mixture at each row of ``z``."""
        d = z.shape[1]
        diff = z[:, None, :] - self.centres[None]  # (n, m, d)
        sol = np.linalg.solve(self.chol, diff.reshape(-1, d).T).T.reshape(diff.shape)
        logdet = 2 * np.log(np.diag(self.chol)).sum()
        dens = -0.5 * (sol**2).sum(axis=-1) - 0.5 * (d * np.log(2 * np.pi) + logdet)
        return _logsumexp(dens + np.log(self.weights)[None], axis=1)
