"""``ember.nn.utils``: gradient clipping, parameter vectors, parametrizations, fusion, rnn,
and the hook-based ``weight_norm`` / ``spectral_norm`` of older checkpoints."""

from ember.autograd import checkpoint as checkpoint
from ember.nn.utils import fusion as fusion
from ember.nn.utils import parametrizations as parametrizations
from ember.nn.utils import parametrize as parametrize
from ember.nn.utils import rnn as rnn
from ember.nn.utils.clip_grad import clip_grad_norm as clip_grad_norm
from ember.nn.utils.clip_grad import clip_grad_norm_ as clip_grad_norm_
from ember.nn.utils.clip_grad import clip_grad_value_ as clip_grad_value_
from ember.nn.utils.clip_grad import clip_grads_with_norm_ as clip_grads_with_norm_
from ember.nn.utils.clip_grad import get_total_norm as get_total_norm
from ember.nn.utils.convert_parameters import parameters_to_vector as parameters_to_vector
from ember.nn.utils.convert_parameters import vector_to_parameters as vector_to_parameters
from ember.nn.utils.fusion import fuse_conv_bn_eval as fuse_conv_bn_eval
from ember.nn.utils.fusion import fuse_conv_bn_weights as fuse_conv_bn_weights
from ember.nn.utils.fusion import fuse_linear_bn_eval as fuse_linear_bn_eval
from ember.nn.utils.fusion import fuse_linear_bn_weights as fuse_linear_bn_weights
from ember.nn.utils.spectral_norm import remove_spectral_norm as remove_spectral_norm
from ember.nn.utils.spectral_norm import spectral_norm as spectral_norm
from ember.nn.utils.weight_norm import remove_weight_norm as remove_weight_norm
from ember.nn.utils.weight_norm import weight_norm as weight_norm

__all__ = [
    "checkpoint",
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "remove_spectral_norm",
    "remove_weight_norm",
    "spectral_norm",
    "weight_norm",
    "fusion",
    "parametrizations",
    "parametrize",
    "rnn",
]
