"""ratings domain: 政务服务"好差评" given at the booth after a transaction."""
