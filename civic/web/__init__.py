"""Flask glue shared by blueprints: rendering, decorators, errors, headers, i18n."""
