(self.siteSearchData=self.siteSearchData||{})["w/b"]={"terms":"between biton"};
