(self.siteSearchData=self.siteSearchData||{})["w/q"]={"terms":"q qualiti"};
