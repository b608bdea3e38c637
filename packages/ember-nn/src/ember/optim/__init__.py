"""``ember.optim``: optimizers and learning-rate schedulers, as ``torch.optim``.

>>> opt = ember.optim.Adam(model.parameters(), lr=1e-3)
>>> sched = ember.optim.lr_scheduler.StepLR(opt, step_size=10)
"""

from ember.optim import lr_scheduler as lr_scheduler
from ember.optim import swa_utils as swa_utils
from ember.optim.adadelta import Adadelta as Adadelta
from ember.optim.adagrad import Adagrad as Adagrad
from ember.optim.adam import Adam as Adam
from ember.optim.adamax import Adamax as Adamax
from ember.optim.adamw import AdamW as AdamW
from ember.optim.asgd import ASGD as ASGD
from ember.optim.lbfgs import LBFGS as LBFGS
from ember.optim.nadam import NAdam as NAdam
from ember.optim.optimizer import Optimizer as Optimizer
from ember.optim.radam import RAdam as RAdam
from ember.optim.rmsprop import RMSprop as RMSprop
from ember.optim.rprop import Rprop as Rprop
from ember.optim.sgd import SGD as SGD
from ember.optim.sparse_adam import SparseAdam as SparseAdam

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Rprop",
    "ASGD",
    "SparseAdam",
    "LBFGS",
    "lr_scheduler",
    "swa_utils",
]
