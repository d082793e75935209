"""The seed notebook's PaxosNode, verbatim: the oracle our engine must match.

Copied from the "Toy Paxos" notebook (cells 9, 10 and 74) without changes, so
that differential tests can compare our transcripts with what the notebook's
own code prints. test/oracle/run.py drives it with scenario files.
"""
from __future__ import annotations

##
# Accept :  This model stores the result of an `accept_request`
# * proposal_id : The proposal_id accpted by the node
# * value: The value that was accoted by the node
# * is_accepted: True if the current request was accepted, False if previous accepted data is returned
##
class Accept(object):
    def __init__(self, proposal_id: int, value: str, is_accepted: bool):
        self.proposal_id = proposal_id
        self.value = value
        self.is_accepted = is_accepted

    def __str__(self) -> str:
        status = "[ACC]" if self.is_accepted else "[REJ]"
        return f"{status} Accept({self.proposal_id}, {self.value})"

##
# Promise :  This model stores the result of a `promise_request`
# * proposal_id : The proposal_id promnised by the node
# * last_accepted: last accepted value (if any) by the node
# * is_accepted: True if the current request was accepted, False if previous promised data is returned
##
class Promise(object):
    def __init__(self, proposal_id: int, is_accepted: bool, last_accepted: Accept = None):
        self.proposal_id = proposal_id
        self.is_accepted = is_accepted
        self.last_accepted = last_accepted
        
    def __str__(self) -> str:
        status = "[ACC]" if self.is_accepted else "[REJ]"        
        last_accepted_info = "()"
        if self.last_accepted is not None:
            last_accepted_info = f"(val: {self.last_accepted.value}, p: {self.last_accepted.proposal_id})"
        return f"{status} Promise({self.proposal_id}, last_acepted{last_accepted_info})"


class PaxosNode(object):
    proposal_id_counter = 0
    
    def __init__(self, node_id: str, quorum: int):
        self.node_id: str = node_id
        self.quorum: int = quorum
        self.last_proposal_id_accepted: int = None
        self.last_accepted_value: str = None
        self.last_accepted_p_id: int = None
        self._proposal_id = None

    # Creates a new proposal_id to attempt to get a value chosen
    def init_new_proposal(self, value: str):
        self._value_to_propose = value
        self._proposal_id = self._generateProposalId()
        self._promisers = dict()
        self._promiser_last_accpted: Accept = None
        self._acceptors = dict()
        print(f"{self.node_id} generated a new proposal id {self._proposal_id} for value : {value}")

    ##
    # This method tries to get a value chosen by completely execting both phases of paxos
    # It first gets promises from prodived nodes
    # If a quorum is reached on promise, 
    # sends accepts to each of them choosing if there were any accepted value from proposers
    # If a quorim is reached on accept, the value accepted by acceptors is the 'chosen' value
    ##
    def propose(self, value: str, *nodes: PaxosNodes) -> str:
        while len(set(nodes)) >= self.quorum:
            self.init_new_proposal(value)
            for node in nodes:
                self.promise_request(node)
            if len(self._promisers) < self.quorum:
                print ("Unable to reach quorum on promises")
                continue # Try with a new proposal id
            for node in nodes:
                self.accept_request(node)
            if len(self._acceptors) < self.quorum:
                print ("Unable to reach quorum on accepts")
                continue # Try new proposal
            choice = list(self._acceptors.values())[0].value # A chouce is made by now
            print(f"{self.node_id} chose : {choice}")
            break

    # Try to get promise from given node
    def promise_request(self, node: PaxosNode):
        if self._proposal_id is None:
            print("Proposal not initiated, Cannot send promise request")
            return
        
        node_prev_p_id = node.last_proposal_id_accepted
        promise: Promise = node._promise(self._proposal_id)
        
        if promise.is_accepted:
            self._promisers[node.node_id] = promise
            if promise.last_accepted != None:
                if self._promiser_last_accpted == None or self._promiser_last_accpted.proposal_id < promise.last_accepted.proposal_id:
                    self._promiser_last_accpted = promise.last_accepted
        else:
            self._promisers.pop(node.node_id, None)
        
        promiser_acc_max = self._promiser_last_accpted.value if self._promiser_last_accpted != None else None
        print(f"PROMISE Request from {self.node_id}(p: {self._proposal_id}) to {node.node_id}(acc_p: {node_prev_p_id})")
        print(f"    > {promise}, {self.node_id}(promisers: {len(self._promisers)}, \
quorum_size: {self.quorum}, promiser_acc_max: {promiser_acc_max})")

    # If a node has got promise quorum, it can request accept from the given node
    def accept_request(self, node: PaxosNode) -> str:
        if self._proposal_id is None or len(self._promisers) < self.quorum:
            print("No promise quorum - cannot send accept request")
            return

        node_prev_p_id = node.last_proposal_id_accepted
        max_promised_value = self._promiser_last_accpted.value if self._promiser_last_accpted is not None else None
        value_to_propose = max_promised_value if max_promised_value is not None else self._value_to_propose
        accept = node._accept(self._proposal_id, value_to_propose)
        if accept.is_accepted:
            self._acceptors[node.node_id] = accept
        else:
            self._acceptors.pop(node.node_id, None)

        has_accept_quorum = len(self._acceptors) >= self.quorum
        choice = value_to_propose if has_accept_quorum else None
        
        print(f"ACCEPT  Request from {self.node_id}(p: {self._proposal_id}, val: {self._value_to_propose}, \
promiser_acc_max: {max_promised_value}) to {node.node_id}(acc_p: {node_prev_p_id})")
        print(f"    > {accept}, {self.node_id}(acceptors: {len(self._acceptors)}, quorum_size: {self.quorum}, choice: {choice})")

    # Accept's logic to respond to promise request
    def _promise(self, proposal_id: int) -> Promise:
        is_accepted = False
        if self.last_proposal_id_accepted == None or self.last_proposal_id_accepted <= proposal_id:
            is_accepted = True
            self.last_proposal_id_accepted = proposal_id
        last_accepted = Accept(self.last_accepted_p_id, self.last_accepted_value, True) if self.last_accepted_p_id != None else None
        return Promise(self.last_proposal_id_accepted, is_accepted, last_accepted)

    # Acceptors logic to respond to a Accept request
    def _accept(self, proposal_id: int, value: str) -> Accept:
        is_accepted = False
        if self.last_proposal_id_accepted == None or self.last_proposal_id_accepted <= proposal_id:
            is_accepted = True
            self.last_proposal_id_accepted = proposal_id
            self.last_accepted_p_id = proposal_id
            self.last_accepted_value = value
        return Accept(self.last_accepted_p_id, self.last_accepted_value, is_accepted)

    # Function to generate unique proposal id higer than anythig generated until now
    def _generateProposalId(self):
        PaxosNode.proposal_id_counter += 1
        return PaxosNode.proposal_id_counter
