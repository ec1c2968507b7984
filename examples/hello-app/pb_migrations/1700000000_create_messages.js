// Applied at the instance's next start: a public "messages" collection anyone may read.
migrate((db) => {
    const collection = new Collection({
        name: "messages",
        type: "base",
        listRule: "",
        viewRule: "",
        schema: [{ name: "text", type: "text", required: true }],
    })
    return Dao(db).saveCollection(collection)
}, (db) => {
    const dao = new Dao(db)
    return dao.deleteCollection(dao.findCollectionByNameOrId("messages"))
})
