// Tools are a module of their own.
module gen
