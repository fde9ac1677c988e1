"""One home for experiment designs.

- :mod:`sim.design.spec`: the experiment file's schema (pydantic, frozen, strict).
- :mod:`sim.design.kind`: what every design kind provides (:class:`DesignKind`).
- one module per kind: :mod:`~sim.design.grid` (``grid`` and ``scenarios``),
  :mod:`~sim.design.lhs`, :mod:`~sim.design.sobol`, :mod:`~sim.design.morris`,
  :mod:`~sim.design.posterior`.
- :mod:`sim.design.registry`: the kinds by name; adding a kind is one module and one line
  there.
"""
