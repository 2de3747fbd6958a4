"""One route module per resource; each handler parses, checks the caller, calls one
function, and answers with a response model."""
