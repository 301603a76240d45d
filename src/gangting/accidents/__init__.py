"""Quick settlement of minor accidents (事故快处, 事故程序规定 第19–22条)."""
