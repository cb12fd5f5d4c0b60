"""``nimbus serve --workers N``: one primary process and N-1 front workers on the same listening socket.

The primary is the nimbus of one process: it owns the store's writes, background work, the event bus and its
subscribers, long polls and every admin endpoint. A front worker (``front.py``) answers the operations a
service marks ``answers_in_any_worker`` (reads and pure computations) from the same store, and hands every
other request, unchanged, to the primary over a Unix socket in the data dir (``primary.py``). What the
workers answer still produces its API-call events, shipped to the primary's bus (``shipping.py``); what the
primary changes reaches the workers' caches and clock through a change counter (``shared.py``, ``stores.py``).
"""
