"""The contract suite: pytest modules, parametrized by contract operation, run against an endpoint.

Run it with ``graph-contracts run`` or ``pytest --pyargs graph_contracts.suite``;
the options (``--graph-endpoint`` and friends) come from the plugin.
"""
