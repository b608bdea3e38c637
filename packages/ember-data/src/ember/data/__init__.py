"""``ember.data``: datasets, samplers, collation and the DataLoader, as ``torch.utils.data``.

>>> from ember.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, num_workers=2)
"""

from ember.data.__about__ import __version__ as __version__
from ember.data.collate import default_collate as default_collate
from ember.data.collate import default_convert as default_convert
from ember.data.dataloader import DataLoader as DataLoader
from ember.data.dataset import ChainDataset as ChainDataset
from ember.data.dataset import ConcatDataset as ConcatDataset
from ember.data.dataset import Dataset as Dataset
from ember.data.dataset import IterableDataset as IterableDataset
from ember.data.dataset import StackDataset as StackDataset
from ember.data.dataset import Subset as Subset
from ember.data.dataset import TensorDataset as TensorDataset
from ember.data.dataset import random_split as random_split
from ember.data.sampler import BatchSampler as BatchSampler
from ember.data.sampler import RandomSampler as RandomSampler
from ember.data.sampler import Sampler as Sampler
from ember.data.sampler import SequentialSampler as SequentialSampler
from ember.data.sampler import SubsetRandomSampler as SubsetRandomSampler
from ember.data.sampler import WeightedRandomSampler as WeightedRandomSampler
from ember.data.worker import WorkerInfo as WorkerInfo
from ember.data.worker import get_worker_info as get_worker_info

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "StackDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "default_collate",
    "default_convert",
    "DataLoader",
    "WorkerInfo",
    "get_worker_info",
]
