"""``ember.integrations``: adapters shipped by their own distributions
(ember-lightning, ember-hf), which share this folder; ember-core only owns it."""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
