int tinyz_version(void);
