"""The credit sources policyengine ships, each a plugin like any third-party one.

Installed as ``policyengine.plugins``; ``policyengine.plugins_loader`` registers every
module listed in its ``DEFAULT_PLUGINS`` with the plugin manager.
"""
