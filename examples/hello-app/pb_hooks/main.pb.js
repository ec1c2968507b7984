// GET /hello answers with a greeting; its text comes from the instance's GREETING secret
// (PUT /api/instances/:id/env), read with $os.getenv.
routerAdd("GET", "/hello", (c) => {
    const greeting = $os.getenv("GREETING") || "Hello"
    return c.json(200, { message: greeting + " from hello-app" })
})
