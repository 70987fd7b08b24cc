"""utskick: sends a templated 1177 ärende to every citizen in a delivery, through Personalverktyget."""

__version__ = "0.1.0"
