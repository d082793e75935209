"""Plays scenarios with the seed's own PaxosNode and prints what it prints.

stdin: a JSON list of scenarios (the format of docs/SCENARIOS.md, instant
delivery only). stdout: a JSON list of transcripts, one per scenario.
"""
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from toy_paxos import PaxosNode  # noqa: E402


def play(scenario):
    PaxosNode.proposal_id_counter = 0  # each scenario starts at 1
    nodes = {name: PaxosNode(name, scenario["quorum"]) for name in scenario["nodes"]}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for step in scenario["steps"]:
            if "say" in step:
                print(step["say"])
                continue
            node = nodes[step["node"]]
            kind = step["do"]
            if kind == "newProposal":
                node.init_new_proposal(step["value"])
            elif kind == "promiseRequest":
                node.promise_request(nodes[step["to"]])
            elif kind == "acceptRequest":
                node.accept_request(nodes[step["to"]])
            elif kind == "propose":
                node.propose(step["value"], *[nodes[t] for t in step["to"]])
            else:
                raise ValueError(f"the seed has no step {kind}")
    return out.getvalue()


print(json.dumps([play(s) for s in json.load(sys.stdin)]))
