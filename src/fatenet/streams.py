"""The key streams: the numbers folded into a run's key to give each use of randomness its own keys.

Every stream differs from the others, so the tissues that score a network in one role (training,
re-scoring, ranking restarts, evaluation) never share initial states or noise with another role.
"""

ASK = 0x61736B  # "ask": a strategy's sampling, apart from the evaluation keys (strategies.ask_tell)
START = 0x7374  # "st": the evaluation of the gradient trainer's candidate starting networks
SCREEN = 0x7363  # "sc": the screening of initial candidates (fatenet.screening)
RESCORE = 0x72657363  # "resc": re-scoring the final candidates (fatenet.selection)
SHIFT = 0x73686966  # "shif": choosing how far the final choice's winner is moved along sbar (fatenet.selection)
CONFIRM = 0x636F6E66  # "conf": the final choice made again among its finalists (fatenet.selection)
FOCUS = 0x666F6375  # "focu": the tissues that rank restarts after exploration (training.focus)
EVALUATION = 0x6576616C  # "eval": the fresh tissues of the evaluation (fatenet.evaluation)
CONVERGENCE = 0x636F6E76  # "conv": the tissues of the time-step convergence check (fatenet.convergence)

ALL = {"ask": ASK, "start": START, "screen": SCREEN, "rescore": RESCORE, "shift": SHIFT, "confirm": CONFIRM,
       "focus": FOCUS, "evaluation": EVALUATION, "convergence": CONVERGENCE}
